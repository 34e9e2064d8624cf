"""Notification date of a dematerialised decision and the appeal deadline it opens.

Legal basis: R. 223-3-1 III of the Code de la route: the decisions "sont réputés
avoir été portés à la connaissance du titulaire du permis de conduire à la date à
laquelle il les a consultés pour la première fois sur le compte personnel ..., ou à
défaut de consultation dans un délai de quinze jours à compter de la date de leur
mise à disposition sur celui-ci, à l'issue de ce délai." The appeal deadline shown
with each decision follows CJA R. 421-1 and R. 421-7.

All instants are aware datetimes and results are in UTC; dates are legal dates in
the holder's territory (``notify.legal.territories``). "Now" is always passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from notify.legal.delays import Period, require_aware, wall_time_to_utc
from notify.legal.policies import (
    DEFAULT_APPEAL_POLICY,
    DEFAULT_NOTIFICATION_POLICY,
    AppealPolicy,
    NotificationPolicy,
)
from notify.legal.territories import DEFAULT_TERRITORY, Territory, get_territory


class NotificationBasis(StrEnum):
    """Why a decision counts as notified (equal to its string value)."""

    CONSULTATION = "consultation"
    """First consultation by the holder before the end of the delay."""
    DEEMED = "deemed"
    """No consultation before the end of the fifteen-day delay."""


@dataclass(frozen=True)
class Notification:
    """The legal notification of one dematerialised decision.

    ``at``: the notification instant (aware, UTC); ``on``: the notification date in
    the holder's legal time, from which the appeal deadline is counted; ``basis``:
    ``"consultation"`` or ``"deemed"``; ``policy``: the ``NotificationPolicy`` used
    (``policy_ref``, e.g. ``"fifteen_days_end_of_day/1"``, is what gets recorded);
    ``delay_ends_at``: end of the fifteen-day delay (UTC), whatever the basis.

    When deemed, ``at`` is 00:00 local of the day after ``on``: the delay ends at
    24:00 of its last day, which is that day's date.
    """

    at: datetime
    on: date
    basis: NotificationBasis
    policy: NotificationPolicy
    territory: Territory
    delay_ends_at: datetime

    @property
    def policy_ref(self) -> str:
        return self.policy.ref


def deemed_notification_on(
    made_available_at: datetime,
    territory: str | Territory = DEFAULT_TERRITORY,
    policy: NotificationPolicy = DEFAULT_NOTIFICATION_POLICY,
) -> date:
    """The last day of the fifteen-day delay, in the holder's legal time.

    Legal basis: R. 223-3-1 III ("dans un délai de quinze jours à compter de la date
    de leur mise à disposition"). The text is silent on the computation; under the
    default policy ``fifteen_days_end_of_day/1``:

    * d is the date of the making available in the territory's legal time (a making
      available at 2026-03-10T23:30Z is on 11 March in Paris);
    * the day of the event does not count (art. 641 CPC, 1st paragraph, by analogy),
      so the last day is d + 15;
    * with ``fifteen_days_next_working_day/1`` only, a last day that is a Saturday,
      Sunday or jour férié of the territory moves to the next working day
      (art. 642 CPC, 2nd sentence, by analogy).
    """
    require_aware(made_available_at, "made_available_at")
    territory = get_territory(territory)
    made_available_on = made_available_at.astimezone(territory.zone).date()
    last_day = made_available_on + timedelta(days=policy.delay_days)
    if policy.extend_to_working_day:
        last_day = territory.working_day_on_or_after(last_day)
    return last_day


def deemed_notification_at(
    made_available_at: datetime,
    territory: str | Territory = DEFAULT_TERRITORY,
    policy: NotificationPolicy = DEFAULT_NOTIFICATION_POLICY,
) -> datetime:
    """The UTC instant at which the fifteen-day delay of R. 223-3-1 III ends.

    The delay ends at 24:00, legal time of the territory, of its last day
    (``deemed_notification_on``): a delay expires on its last day at midnight
    (art. 642 CPC, 1st sentence, by analogy). That is 00:00 local of the next day,
    computed in wall time and then converted to UTC, so a daylight-saving change
    inside the delay never moves it by an hour.

    Example: made available 2026-03-10T23:30Z (11 March, 00:30 in Paris): last day
    26 March; the delay ends 27 March 00:00 Paris (CET) = 2026-03-26T23:00Z.
    Naive ``made_available_at`` raises ``ValueError``.
    """
    territory = get_territory(territory)
    last_day = deemed_notification_on(made_available_at, territory, policy)
    return wall_time_to_utc(datetime.combine(last_day + timedelta(days=1), time()), territory)


def notification(
    made_available_at: datetime,
    first_consulted_at: datetime | None,
    territory: str | Territory = DEFAULT_TERRITORY,
    policy: NotificationPolicy = DEFAULT_NOTIFICATION_POLICY,
) -> Notification:
    """The notification of a decision (R. 223-3-1 III, 1st paragraph).

    * A first consultation strictly before the end of the delay notifies the
      decision at that instant; ``on`` is its date in the territory's legal time.
    * Otherwise (no consultation, or one at or after the end) the decision is deemed
      notified at the end of the delay; ``on`` is the last day of the delay (d + 15
      under the default policy), not the day after.

    A consultation after the end changes nothing (it is still recorded elsewhere).
    A consultation before the making available is impossible: ``ValueError``.
    """
    require_aware(made_available_at, "made_available_at")
    territory = get_territory(territory)
    last_day = deemed_notification_on(made_available_at, territory, policy)
    delay_ends_at = deemed_notification_at(made_available_at, territory, policy)
    if first_consulted_at is not None:
        require_aware(first_consulted_at, "first_consulted_at")
        if first_consulted_at < made_available_at:
            raise ValueError(
                f"first consultation at {first_consulted_at.isoformat()} precedes the "
                f"making available at {made_available_at.isoformat()}"
            )
        if first_consulted_at < delay_ends_at:
            return Notification(
                at=first_consulted_at.astimezone(UTC),
                on=first_consulted_at.astimezone(territory.zone).date(),
                basis=NotificationBasis.CONSULTATION,
                policy=policy,
                territory=territory,
                delay_ends_at=delay_ends_at,
            )
    return Notification(
        at=delay_ends_at,
        on=last_day,
        basis=NotificationBasis.DEEMED,
        policy=policy,
        territory=territory,
        delay_ends_at=delay_ends_at,
    )


def notification_as_of(
    made_available_at: datetime,
    first_consulted_at: datetime | None,
    now: datetime,
    territory: str | Territory = DEFAULT_TERRITORY,
    policy: NotificationPolicy = DEFAULT_NOTIFICATION_POLICY,
) -> Notification | None:
    """The notification if it has happened at ``now``, else ``None``.

    For the job that records deemed notifications: ``None`` while the decision is
    neither consulted nor past the end of the delay. A consultation later than
    ``now`` cannot have been recorded yet: ``ValueError``.
    """
    require_aware(now, "now")
    if (
        first_consulted_at is not None
        and require_aware(first_consulted_at, "first_consulted_at") > now
    ):
        raise ValueError(
            f"first consultation at {first_consulted_at.isoformat()} is after now "
            f"({now.isoformat()})"
        )
    result = notification(made_available_at, first_consulted_at, territory, policy)
    return result if result.at <= now else None


class Residence(StrEnum):
    """Where the holder resides, for the délais de distance of CJA R. 421-7."""

    FRANCE = "france"
    OVERSEAS = "overseas"
    ABROAD = "abroad"


def _residence(value: str | Residence) -> Residence:
    try:
        return Residence(value)
    except ValueError:
        known = ", ".join(Residence)
        raise ValueError(f"unknown residence {value!r} (expected one of: {known})") from None


def appeal_months(residence: str | Residence,
                  policy: AppealPolicy = DEFAULT_APPEAL_POLICY) -> int:
    """The months of the appeal delay: R. 421-1's two, plus R. 421-7's délai de distance
    for ``residence`` (one month overseas, two abroad). Unknown residence: ``ValueError``."""
    return policy.months + {
        Residence.FRANCE: 0,
        Residence.OVERSEAS: policy.overseas_extra_months,
        Residence.ABROAD: policy.abroad_extra_months,
    }[_residence(residence)]


def appeal_deadline(
    notified_on: date,
    territory: str | Territory = DEFAULT_TERRITORY,
    residence: str | Residence = Residence.FRANCE,
    policy: AppealPolicy = DEFAULT_APPEAL_POLICY,
) -> date:
    """The last day on which an appeal against the decision may be filed.

    Legal basis: CJA R. 421-1 (two months from the notification), R. 421-7 (plus one
    month for a holder residing overseas, plus two months abroad). Information shown
    to the holder; the attestation of R. 223-3-1 I 3° is about this computation.

    Reading applied (default policy ``two_months_franc/1``), a délai franc:

    1. The day of notification does not count: the delay starts the next day.
    2. The delay échoit on the day with the same number as the notification day,
       ``months`` months later (2, 3 if ``overseas``, 4 if ``abroad``, counted in one
       step), or on the last day of that month when that number does not exist
       (art. 641 CPC, 2nd paragraph).
    3. The day of expiry does not count either: an appeal filed on the day after the
       échéance is still in time. That day after is the returned last day.
    4. If that last day is a Saturday, Sunday or jour férié of the holder's territory
       (``territory``), it moves to the next working day (art. 642 CPC).

    Worked example: notified Thursday 3 December 2026, residing in France. Échéance
    3 February 2027 (same day number); day of expiry not counted, so the appeal may
    still be filed on Thursday 4 February 2027, a working day: returns 4 February 2027.
    Notified 31 December 2026: échéance 28 February 2027 (no 31 February); returns
    Monday 1 March 2027.

    ``residence`` is relative to the seat of the competent tribunal, which the caller
    decides (R. 421-7 grants nothing to a holder of Réunion appealing before the
    tribunal administratif de La Réunion). ``notified_on`` is a legal date, never a
    datetime (``TypeError``); an unknown ``residence`` raises ``ValueError``.
    """
    if isinstance(notified_on, datetime) or not isinstance(notified_on, date):
        raise TypeError(
            f"notified_on must be a date in the holder's legal time, got {notified_on!r}"
        )
    territory = get_territory(territory)
    expiry = Period(months=appeal_months(residence, policy)).add_to(notified_on)
    last_day = expiry + timedelta(days=1) if policy.franc else expiry
    if policy.extend_to_working_day:
        last_day = territory.working_day_on_or_after(last_day)
    return last_day
