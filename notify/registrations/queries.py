"""Backlog queries of the staff dashboard. Each is one SQL statement (or one per chunk),
runs on SQLite and PostgreSQL alike, and takes "now" from its caller.

Durations are never computed in SQL (the two databases do date arithmetic differently):
each transition stores the seconds its file spent in the previous state, and ages are
compared with instants computed here.

Open and finished files are selected with the very conditions of the partial indexes
that serve them (``models.OPEN_FILES``…), so that both databases see the index applies;
each query stays under 200 ms on 1,000,000 files on PostgreSQL
(``bench/bench_registrations_dashboard.py``, ``tests/integration/test_query_plans.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from notify.auth.models import Organisation
from notify.errors import InvalidInput
from notify.registrations.models import (
    FINISHED_FILES,
    NOT_TRANSMITTED,
    OPEN_FILES,
    TRANSMITTED_LATE,
    Application,
    Centre,
    Provider,
    ProviderStatus,
    Transition,
)
from notify.registrations.numbers import parse_plate
from notify.registrations.states import State

_OPEN = OPEN_FILES
AGE_BUCKETS = ((7, "moins de 7 jours"), (30, "7 à 30 jours"), (90, "30 à 90 jours"),
               (None, "plus de 90 jours"))


def _of_centre(query, centre_id: int | None):
    return query if centre_id is None else query.where(Application.centre_id == centre_id)


def files_per_centre_and_state(session: Session, centre_id: int | None = None, *,
                               open_only: bool = False) -> list[tuple[str | None, str, int]]:
    """(centre code or None when unassigned, state, count) for every file (with
    ``open_only``, every open file: the dashboard's backlog, read from the open files'
    index alone). Counted per centre id first (the index's order), named afterwards."""
    counts = select(Application.centre_id, Application.state, func.count().label("n"))
    if open_only:
        counts = counts.where(_OPEN)
    counts = (_of_centre(counts, centre_id)
              .group_by(Application.centre_id, Application.state).subquery())
    return [tuple(row) for row in session.execute(
        select(Centre.code, counts.c.state, counts.c.n)
        .select_from(counts).outerjoin(Centre, Centre.id == counts.c.centre_id)
        .order_by(Centre.code, counts.c.state))]


def age_distribution(session: Session, now: datetime, centre_id: int | None = None
                     ) -> list[tuple[str, int]]:
    """Open files by age since filing, in the buckets of ``AGE_BUCKETS``, every bucket
    listed (zero included)."""
    whens = [(Application.filed_at > now - timedelta(days=days), index)
             for index, (days, _label) in enumerate(AGE_BUCKETS) if days is not None]
    bucket = case(*whens, else_=literal(len(AGE_BUCKETS) - 1)).label("bucket")
    query = _of_centre(select(bucket, func.count()).where(_OPEN), centre_id).group_by(bucket)
    counts = dict(session.execute(query).all())
    return [(label, counts.get(i, 0)) for i, (_d, label) in enumerate(AGE_BUCKETS)]


def oldest_files(session: Session, *, limit: int = 20, centre_id: int | None = None
                 ) -> list[Application]:
    query = select(Application).where(_OPEN).order_by(Application.filed_at, Application.id)
    return list(session.scalars(_of_centre(query, centre_id).limit(limit)))


def stale_files(session: Session, now: datetime, days: int, *, limit: int = 500,
                centre_id: int | None = None) -> list[Application]:
    """Open files with no step for ``days`` days (they entered their state before),
    longest idle first."""
    return list(session.scalars(_of_centre(
        select(Application)
        .where(_OPEN, Application.state_since_at <= now - timedelta(days=days)), centre_id)
        .order_by(Application.state_since_at, Application.id).limit(limit)))


def weekly_intake_and_completions(session: Session, now: datetime, weeks: int = 12,
                                  centre_id: int | None = None
                                  ) -> list[tuple[datetime, int, int]]:
    """For each of the last ``weeks`` weeks of seven days ending at ``now`` (oldest
    first): its start, files filed, files finished (entered a final state: final states
    have no way out, so a finished file's ``state_since_at`` is when it finished)."""
    starts = [now - timedelta(days=7 * (weeks - i)) for i in range(weeks)]

    ends = [*starts[1:], now]

    def per_week(column, *conditions) -> dict[int, int]:
        # One range count per week, in one statement: each reads a range of the index
        # alone (no expression evaluated per row).
        return dict(session.execute(union_all(*[
            _of_centre(select(literal(i).label("week"), func.count().label("n"))
                       .where(*conditions, column >= start, column < end), centre_id)
            for i, (start, end) in enumerate(zip(starts, ends, strict=True))])).all())

    intake = per_week(Application.filed_at)
    completions = per_week(Application.state_since_at, FINISHED_FILES)
    return [(start, intake.get(i, 0), completions.get(i, 0)) for i, start in enumerate(starts)]


@dataclass(frozen=True)
class StepDelay:
    state: str
    count: int
    median_seconds: int
    p90_seconds: int


def step_delays(session: Session, state: State | None = None) -> list[StepDelay]:
    """Median and 90th percentile of the time files spent in each state before leaving
    it (nearest-rank percentiles: the value of rank ⌈p·n⌉, so always an observed one)."""
    ranked = (select(Transition.from_state.label("state"),
                     Transition.seconds_in_previous.label("seconds"),
                     func.row_number().over(partition_by=Transition.from_state,
                                            order_by=Transition.seconds_in_previous)
                     .label("rank"),
                     func.count().over(partition_by=Transition.from_state).label("n"))
              .where(Transition.from_state.is_not(None),
                     Transition.seconds_in_previous.is_not(None)))
    if state is not None:
        ranked = ranked.where(Transition.from_state == str(state))
    ranked = ranked.subquery()
    # ⌈p·n⌉ with integers: (p100·n + 99) // 100
    median_rank = (ranked.c.n * 50 + 99) // 100
    p90_rank = (ranked.c.n * 90 + 99) // 100
    rows = session.execute(
        select(ranked.c.state, func.max(ranked.c.n),
               func.max(case((ranked.c.rank == median_rank, ranked.c.seconds))),
               func.max(case((ranked.c.rank == p90_rank, ranked.c.seconds))))
        .group_by(ranked.c.state).order_by(ranked.c.state)).all()
    return [StepDelay(s, n, median, p90) for s, n, median, p90 in rows]


def recent_step_delays(session: Session, since: datetime) -> list[StepDelay]:
    """``step_delays`` of the steps taken since ``since``, to the hour: the times are
    counted per state and whole hour (no sort, so that it stays fast on millions of
    steps), and each percentile is the start of the hour holding the nearest-rank value
    (the exact value rounded down to the hour)."""
    hour = (Transition.seconds_in_previous // 3600).label("hour")  # integer division
    histogram: dict[str, list[tuple[int, int]]] = {}
    for state, h, n in session.execute(
            select(Transition.from_state, hour, func.count())
            .where(Transition.at >= since, Transition.from_state.is_not(None),
                   Transition.seconds_in_previous.is_not(None))
            .group_by(Transition.from_state, hour)):
        histogram.setdefault(state, []).append((int(h), n))
    delays = []
    for state, counts in sorted(histogram.items()):
        counts.sort()
        total = sum(n for _h, n in counts)

        def at_rank(percent: int, counts=counts, total=total) -> int:
            rank, seen = (total * percent + 99) // 100, 0
            for h, n in counts:
                seen += n
                if seen >= rank:
                    return h * 3600
            raise AssertionError("unreachable: the ranks are within the total")

        delays.append(StepDelay(state, total, at_rank(50), at_rank(90)))
    return delays


@dataclass(frozen=True)
class LateProvider:
    provider_id: int
    name: str
    habilitation_number: str
    transmitted_late: int
    overdue: int


def late_files_per_provider(session: Session, now: datetime) -> list[LateProvider]:
    """Per provider: files transmitted after the end of their delay from the mandate,
    and files still not transmitted whose delay has run out (``transmit_by_at``). Each
    count is read from its own partial index alone."""
    late = dict(session.execute(
        select(Application.provider_id, func.count()).where(TRANSMITTED_LATE)
        .group_by(Application.provider_id)).all())
    overdue = dict(session.execute(
        select(Application.provider_id, func.count())
        .where(NOT_TRANSMITTED, Application.transmit_by_at < now)
        .group_by(Application.provider_id)).all())
    named = session.execute(
        select(Provider.id, Organisation.name, Provider.habilitation_number)
        .join(Organisation, Organisation.id == Provider.organisation_id)
        .where(Provider.id.in_(set(late) | set(overdue))).order_by(Provider.id)).all()
    return [LateProvider(id_, name, number, late.get(id_, 0), overdue.get(id_, 0))
            for id_, name, number in named]


def late_files_of_provider(session: Session, provider_id: int, now: datetime,
                           *, limit: int = 500) -> list[Application]:
    """The files of one provider transmitted late or overdue, oldest deadline first."""
    return list(session.scalars(
        select(Application)
        .where(Application.provider_id == provider_id,
               or_(TRANSMITTED_LATE, and_(NOT_TRANSMITTED, Application.transmit_by_at < now)))
        .order_by(Application.transmit_by_at).limit(limit)))


def guarantees_expiring(session: Session, today: date, *, within_days: int = 60
                        ) -> list[tuple[Provider, str]]:
    """Providers still allowed to act whose financial guarantee has expired or expires
    within ``within_days`` (no text sets an amount or a warning delay: staff are warned,
    nothing is refused), soonest first, with their organisation's name."""
    return [tuple(row) for row in session.execute(
        select(Provider, Organisation.name)
        .join(Organisation, Organisation.id == Provider.organisation_id)
        .where(Provider.status != ProviderStatus.WITHDRAWN,
               Provider.guarantee_expires_on <= today + timedelta(days=within_days))
        .order_by(Provider.guarantee_expires_on, Provider.id))]


SEARCH_LIMIT = 50


def _plate_or_none(text: str) -> str | None:
    """A registration number as stored (``AB-123-CD``), however typed, or None."""
    try:
        return parse_plate(text).value
    except InvalidInput:
        return None


@dataclass(frozen=True)
class Found:
    application: Application
    centre_code: str | None
    provider_name: str | None


def search_files(session: Session, text: str, *, state: str | None = None,
                 centre_id: int | None = None, limit: int = SEARCH_LIMIT) -> list[Found]:
    """Staff search, newest first. ``text`` is looked up first as what identifies files
    through an index: a file number, a VIN, a registration number, a provider (its
    habilitation number or part of its name) or a centre (its code or part of its name);
    only when that finds nothing, as part of the applicant's name (which reads every
    file). ``state`` and ``centre_id`` narrow it."""
    words = " ".join(text.split())
    compact = "".join(words.split()).upper()
    like = f"%{words.lower()}%"
    query = (select(Application, Centre.code, Organisation.name)
             .outerjoin(Centre, Centre.id == Application.centre_id)
             .outerjoin(Provider, Provider.id == Application.provider_id)
             .outerjoin(Organisation, Organisation.id == Provider.organisation_id))
    if state:
        query = query.where(Application.state == state)
    query = _of_centre(query, centre_id).order_by(Application.filed_at.desc(),
                                                  Application.id.desc()).limit(limit)
    if not words:
        return [Found(*row) for row in session.execute(query)]
    # Providers and centres are few: their ids first, so that each condition on the
    # files is one index lookup (no subquery in the OR).
    providers = list(session.scalars(
        select(Provider.id).join(Organisation, Organisation.id == Provider.organisation_id)
        .where(or_(Provider.habilitation_number == compact,
                   func.lower(Organisation.name).like(like)))))
    centres = list(session.scalars(select(Centre.id).where(
        or_(Centre.code == compact, func.lower(Centre.name).like(like)))))
    identified = or_(Application.number == compact, Application.vin == compact,
                     *([Application.plate == plate] if (plate := _plate_or_none(words))
                       else []),
                     *([Application.provider_id.in_(providers)] if providers else []),
                     *([Application.centre_id.in_(centres)] if centres else []))
    found = [Found(*row) for row in session.execute(query.where(identified))]
    if found:
        return found
    return [Found(*row) for row in session.execute(
        query.where(func.lower(Application.applicant_name).like(like)))]


def providers(session: Session) -> list[tuple[Provider, str]]:
    """The providers' register: each provider with its organisation's name, by name."""
    return [tuple(row) for row in session.execute(
        select(Provider, Organisation.name)
        .join(Organisation, Organisation.id == Provider.organisation_id)
        .order_by(Organisation.name, Provider.id))]


def provider(session: Session, provider_id: int) -> tuple[Provider | None, str | None]:
    row = session.execute(select(Provider, Organisation.name)
                          .join(Organisation, Organisation.id == Provider.organisation_id)
                          .where(Provider.id == provider_id)).first()
    return (row[0], row[1]) if row else (None, None)


def files_in_progress(session: Session, provider_id: int) -> tuple[int, int]:
    """A provider's open files, and how many of them carry a flag (its suspension or
    withdrawal, set by ``operations.change_provider_status``)."""
    total, flagged = session.execute(
        select(func.count(), func.count(Application.provider_flag))
        .where(Application.provider_id == provider_id, _OPEN)).one()
    return total, flagged
