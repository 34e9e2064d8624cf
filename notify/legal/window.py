"""The window in which the dates of a deposited decision are plausible.

A decision of withdrawal or restoration of points, and the offence behind a
withdrawal, can only lie between the coming into force of the points licence and
today. A date outside that window is a typing or export error of the depositor: the
item is refused with the bound it breaks, instead of being made available and
notified with a date that no holder could contest.
"""

from __future__ import annotations

from datetime import date, datetime

from notify.legal.territories import Territory

POINTS_LICENCE_IN_FORCE_ON = date(1992, 7, 1)
"""The first day of the points licence (permis à points).

Legal basis: loi n° 89-469 du 10 juillet 1989 relative à diverses dispositions en
matière de sécurité routière et en matière de contraventions, which created the
points licence (now L. 223-1 and following of the Code de la route); it came into
force on 1 July 1992. No offence committed, and no decision on points taken, before
that day can concern the points licence: it is the earliest date of the window,
for the decision date and for the offence date alike.
"""


def latest_legal_date(now: datetime) -> date:
    """The latest calendar date anywhere the service applies, at ``now``: the last day
    of the window ("not in the future").

    A decision dated today in La Réunion (UTC+4) is dated tomorrow for Paris in the
    evening; "not in the future" is therefore judged against the date of the territory
    that is furthest ahead, so that no territory's decision of the day is refused.
    Assumption (the law is silent): a depositor's date is a legal date of one of the
    territories of ``notify.legal.territories``.
    """
    return max(now.astimezone(territory.zone).date() for territory in Territory)
