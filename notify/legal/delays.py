"""Durations used by settings and by the legal rules: closure delay, retention.

Durations are written as a subset of ISO 8601 (``P1M``, ``P6Y``, ``P1Y2M``, ``P15D``)
and added in calendar terms, never as a fixed number of seconds: "one month" from
31 January is 28 February (29 in a leap year), the rule of art. 641 CPC, second
paragraph ("à défaut d'un quantième identique, le délai expire le dernier jour du
mois"). ``add_months`` is the single implementation of that rule; the appeal
deadline (``notify.legal.deadlines``) uses it too.

An instant plus a duration is computed in the wall time of the holder's territory
and then converted to UTC, so that a daylight-saving change between the two never
shifts the result by an hour.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar

from notify.legal.territories import DEFAULT_TERRITORY, Territory, get_territory

_PERIOD_PATTERN = re.compile(r"P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<days>\d+)D)?")

DateOrDatetime = TypeVar("DateOrDatetime", date, datetime)


def add_months(day: DateOrDatetime, months: int) -> DateOrDatetime:
    """``day`` moved by ``months`` calendar months, keeping the same day number.

    When that day number does not exist in the target month the result is the last
    day of that month (art. 641 CPC, 2nd paragraph, by analogy; same reading as
    the Conseil d'État for délais de recours). A datetime keeps its time of day and
    its ``tzinfo`` (wall-time arithmetic).
    """
    month_index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(month_index, 12)
    month += 1
    last_day = calendar.monthrange(year, month)[1]
    return day.replace(year=year, month=month, day=min(day.day, last_day))


@dataclass(frozen=True)
class Period:
    """A calendar duration: years, months and days (ISO 8601 ``PnYnMnD``)."""

    years: int = 0
    months: int = 0
    days: int = 0

    def __post_init__(self) -> None:
        for name in ("years", "months", "days"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"Period.{name} must be a non-negative integer, got {value!r}")

    @property
    def total_months(self) -> int:
        return self.years * 12 + self.months

    def add_to(self, value: DateOrDatetime) -> DateOrDatetime:
        """``value`` plus this period: years and months first (month-end clamping,
        see ``add_months``), then days. 31 January + P1M = 28/29 February;
        29 February 2028 + P1Y = 28 February 2029.

        A datetime keeps its wall time and ``tzinfo``; use ``add_period`` to add a
        period to an instant in a territory's legal time.
        """
        return add_months(value, self.total_months) + timedelta(days=self.days)

    def __str__(self) -> str:
        parts = [
            f"{amount}{unit}"
            for amount, unit in ((self.years, "Y"), (self.months, "M"), (self.days, "D"))
            if amount
        ]
        return "P" + ("".join(parts) or "0D")


def parse_period(text: str) -> Period:
    """Parse ``PnY``, ``PnM``, ``PnD`` and their combinations in that order
    (``P1Y2M``, ``P1M15D``). Weeks and time parts are refused: legal delays here are
    expressed in years, months and days.
    """
    match = _PERIOD_PATTERN.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None or not any(match.groupdict().values()):
        raise ValueError(
            f"invalid duration {text!r}: expected ISO 8601 like P1M, P6Y, P15D or P1Y2M"
        )
    return Period(**{name: int(value or 0) for name, value in match.groupdict().items()})


def _as_period(value: Period | str) -> Period:
    return value if isinstance(value, Period) else parse_period(value)


def require_aware(value: datetime, name: str) -> datetime:
    """Refuse naive datetimes: a legal instant without an offset is ambiguous."""
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (got naive {value.isoformat()})")
    return value


def wall_time_to_utc(local: datetime, territory: Territory) -> datetime:
    """Convert a naive wall time of ``territory`` to an aware UTC datetime.

    A wall time skipped by a spring daylight-saving change (02:30 on the last Sunday
    of March in Paris) is read with the offset in force before the change, which
    gives the instant just after the gap (03:30 CEST). A wall time repeated in autumn
    is read as its first occurrence (PEP 495 ``fold=0``).
    """
    return local.replace(tzinfo=territory.zone, fold=0).astimezone(UTC)


def add_period(
    instant: datetime,
    period: Period | str,
    territory: str | Territory = DEFAULT_TERRITORY,
) -> datetime:
    """``instant`` plus ``period`` computed in the territory's wall time, in UTC.

    Example: 2026-03-15 10:00 Paris (CET) + P1M = 2026-04-15 10:00 Paris (CEST),
    i.e. 08:00 UTC, not 09:00 UTC.
    """
    require_aware(instant, "instant")
    territory = get_territory(territory)
    local = instant.astimezone(territory.zone).replace(tzinfo=None)
    return wall_time_to_utc(_as_period(period).add_to(local), territory)


# --- Closure of the personal account (R. 223-3-1 I, last paragraph) ---------------

CLOSURE_DELAY_DEFAULT = Period(months=1)
"""Default of the delay the arrêté of R. 223-3-1 IV would fix (arrêté not found)."""

MAX_CLOSURE_DELAY = Period(months=3)
"""Upper bound, by analogy with CRPA R. 112-18 (three months)."""

# Four consecutive years contain every combination of month length and leap year
# that calendar addition of a period of a few months can meet.
_CYCLE_START = date(2024, 1, 1)
_CYCLE_DAYS = 4 * 365 + 1


def exceeds(period: Period, maximum: Period) -> bool:
    """True when, for some start day, ``period`` ends later than ``maximum``.

    Periods mixing months and days have no total order (P2M30D is shorter than P3M
    from 1 January, longer from 1 March); a period is accepted only if it never
    ends after the maximum, whatever the start day.
    """
    for offset in range(_CYCLE_DAYS):
        start = _CYCLE_START + timedelta(days=offset)
        if period.add_to(start) > maximum.add_to(start):
            return True
    return False


def validate_closure_delay(period: Period | str) -> Period:
    """Check a closure delay setting and return it as a ``Period``.

    Legal basis: R. 223-3-1 I, last paragraph ("la fermeture de son compte ... ne
    prend effet qu'au terme du délai fixé par l'arrêté mentionné au IV"). The arrêté
    could not be found; the delay is bounded at three months by analogy with
    CRPA R. 112-18. Raises ``ValueError`` when it can exceed three months.
    """
    period = _as_period(period)
    if exceeds(period, MAX_CLOSURE_DELAY):
        raise ValueError(
            f"closure delay {period} exceeds the maximum of {MAX_CLOSURE_DELAY} "
            "(3 months, by analogy with CRPA R. 112-18)"
        )
    return period


def closure_effective_at(
    requested_at: datetime,
    delay: Period | str = CLOSURE_DELAY_DEFAULT,
    territory: str | Territory = DEFAULT_TERRITORY,
) -> datetime:
    """The UTC instant at which a requested closure of the account takes effect.

    Legal basis: R. 223-3-1 I, last paragraph: the closure "ne prend effet qu'au
    terme du délai fixé par l'arrêté mentionné au IV". Until that instant decisions
    are still deposited online; from it, they go by post (R. 223-3 III, 2nd al.).

    Assumption (text silent): the delay runs from the instant of the request (not
    from the next day) and is added in the holder's wall time: a request on
    15 January at 14:32 Paris with P1M takes effect on 15 February at 14:32 Paris.
    ``delay`` must not exceed ``MAX_CLOSURE_DELAY`` (``ValueError``).
    """
    require_aware(requested_at, "requested_at")
    return add_period(requested_at, validate_closure_delay(delay), territory)


# --- Retention (arrêté of R. 223-3-1 IV; CPCE R. 53-3 by analogy) -----------------

RETENTION_PERIOD_DEFAULT = Period(years=6)
"""Default time a decision stays on the site (the arrêté of R. 223-3-1 IV would fix
it). Shorter than the ten-year rule of L. 223-6, 5th paragraph: show the value in
force to legal staff."""

EVIDENCE_MIN_RETENTION = Period(years=1)
"""Evidence is kept at least one year, by analogy with CPCE R. 53-3."""


def decision_retained_until(
    made_available_at: datetime,
    retention: Period | str = RETENTION_PERIOD_DEFAULT,
    territory: str | Territory = DEFAULT_TERRITORY,
) -> datetime:
    """The UTC instant from which a deposited decision may be purged from the site.

    Legal basis: R. 223-3-1 IV (the arrêté fixes "la durée de conservation des
    décisions dématérialisées sur le site"). Assumption: the retention runs from the
    making available (mise à disposition), in the holder's wall time.
    """
    require_aware(made_available_at, "made_available_at")
    return add_period(made_available_at, retention, territory)


def evidence_retained_until(
    recorded_at: datetime,
    decision_retained_until: datetime,
    territory: str | Territory = DEFAULT_TERRITORY,
    minimum: Period | str = EVIDENCE_MIN_RETENTION,
) -> datetime:
    """The UTC instant from which a piece of evidence (event, timestamp token, proof)
    may be purged: the later of the decision's purge and ``recorded_at`` + one year.

    Legal basis: R. 223-3-1 III, 2nd paragraph (the notification date is certified
    by the site's timestamping, so its evidence must outlive the decision it
    certifies); the one-year floor is by analogy with CPCE R. 53-3.
    """
    require_aware(recorded_at, "recorded_at")
    require_aware(decision_retained_until, "decision_retained_until")
    floor = add_period(recorded_at, minimum, territory)
    return max(floor, decision_retained_until.astimezone(UTC))


# --- Access log (staff reads of holders' files) ----------------------------------

ACCESS_LOG_RETENTION_DEFAULT = Period(years=1)
"""How long the staff access log is kept. The CNIL recommends keeping the logs of
accesses to personal data six months to one year (recommandation relative aux mesures
de journalisation, délibération n° 2021-122 du 14 octobre 2021): long enough for a
holder to ask who read his file, no longer."""


def access_log_cutoff(
    now: datetime,
    retention: Period | str = ACCESS_LOG_RETENTION_DEFAULT,
    territory: str | Territory = DEFAULT_TERRITORY,
) -> datetime:
    """The UTC instant before which a recorded access is past its retention at ``now``:
    ``now`` minus the period, in metropolitan wall time (the service's own time; an
    access is not a holder's legal fact)."""
    require_aware(now, "now")
    zone = get_territory(territory)
    period = _as_period(retention)
    local = now.astimezone(zone.zone).replace(tzinfo=None)
    earlier = add_months(local, -period.total_months) - timedelta(days=period.days)
    return wall_time_to_utc(earlier, zone)
