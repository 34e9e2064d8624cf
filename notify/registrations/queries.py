"""Backlog queries for the future staff dashboard. Each is one SQL statement (or one per
chunk), runs on SQLite and PostgreSQL alike, and takes "now" from its caller.

Durations are never computed in SQL (the two databases do date arithmetic differently):
each transition stores the seconds its file spent in the previous state, and ages are
compared with instants computed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from notify.auth.models import Organisation
from notify.registrations.models import (
    Application,
    Centre,
    Provider,
    ProviderStatus,
    Transition,
)
from notify.registrations.states import FINAL_STATES, State

_OPEN = Application.state.not_in([str(s) for s in FINAL_STATES])
AGE_BUCKETS = ((7, "moins de 7 jours"), (30, "7 à 30 jours"), (90, "30 à 90 jours"),
               (None, "plus de 90 jours"))


def files_per_centre_and_state(session: Session) -> list[tuple[str | None, str, int]]:
    """(centre code or None when unassigned, state, count) for every file."""
    return [tuple(row) for row in session.execute(
        select(Centre.code, Application.state, func.count())
        .select_from(Application).outerjoin(Centre, Centre.id == Application.centre_id)
        .group_by(Centre.code, Application.state)
        .order_by(Centre.code, Application.state))]


def age_distribution(session: Session, now: datetime, centre_id: int | None = None
                     ) -> list[tuple[str, int]]:
    """Open files by age since filing, in the buckets of ``AGE_BUCKETS``, every bucket
    listed (zero included)."""
    whens = [(Application.filed_at > now - timedelta(days=days), index)
             for index, (days, _label) in enumerate(AGE_BUCKETS) if days is not None]
    bucket = case(*whens, else_=literal(len(AGE_BUCKETS) - 1)).label("bucket")
    query = select(bucket, func.count()).where(_OPEN).group_by(bucket)
    if centre_id is not None:
        query = query.where(Application.centre_id == centre_id)
    counts = dict(session.execute(query).all())
    return [(label, counts.get(i, 0)) for i, (_d, label) in enumerate(AGE_BUCKETS)]


def oldest_files(session: Session, *, limit: int = 20, centre_id: int | None = None
                 ) -> list[Application]:
    query = select(Application).where(_OPEN).order_by(Application.filed_at, Application.id)
    if centre_id is not None:
        query = query.where(Application.centre_id == centre_id)
    return list(session.scalars(query.limit(limit)))


def stale_files(session: Session, now: datetime, days: int, *, limit: int = 500
                ) -> list[Application]:
    """Open files with no step for ``days`` days (they entered their state before)."""
    return list(session.scalars(
        select(Application)
        .where(_OPEN, Application.state_since_at <= now - timedelta(days=days))
        .order_by(Application.state_since_at, Application.id).limit(limit)))


def weekly_intake_and_completions(session: Session, now: datetime, weeks: int = 12
                                  ) -> list[tuple[datetime, int, int]]:
    """For each of the last ``weeks`` weeks of seven days ending at ``now`` (oldest
    first): its start, files filed, files finished (entered a final state)."""
    starts = [now - timedelta(days=7 * (weeks - i)) for i in range(weeks)]

    def week_of(column):
        return case(*[(column >= start, i) for i, start in reversed(list(enumerate(starts)))],
                    else_=literal(-1))

    filed = week_of(Application.filed_at).label("week")
    intake = dict(session.execute(select(filed, func.count())
                                  .where(Application.filed_at >= starts[0],
                                         Application.filed_at < now)
                                  .group_by(filed)).all())
    done = week_of(Transition.at).label("week")
    completions = dict(session.execute(
        select(done, func.count())
        .where(Transition.to_state.in_([str(s) for s in FINAL_STATES]),
               Transition.at >= starts[0], Transition.at < now)
        .group_by(done)).all())
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


@dataclass(frozen=True)
class LateProvider:
    provider_id: int
    name: str
    habilitation_number: str
    transmitted_late: int
    overdue: int


def late_files_per_provider(session: Session, now: datetime) -> list[LateProvider]:
    """Per provider: files transmitted after the end of their delay from the mandate,
    and files still not transmitted whose delay has run out (``transmit_by_at``)."""
    late = and_(Application.submitted_at.is_not(None),
                Application.submitted_at > Application.transmit_by_at)
    overdue = and_(Application.submitted_at.is_(None), Application.transmit_by_at < now,
                   Application.state == str(State.TO_COMPLETE))
    rows = session.execute(
        select(Provider.id, Organisation.name, Provider.habilitation_number,
               func.sum(case((late, 1), else_=0)), func.sum(case((overdue, 1), else_=0)))
        .join(Application, Application.provider_id == Provider.id)
        .join(Organisation, Organisation.id == Provider.organisation_id)
        .where(or_(late, overdue))
        .group_by(Provider.id, Organisation.name, Provider.habilitation_number)
        .order_by(Provider.id)).all()
    return [LateProvider(*row) for row in rows]


def late_files_of_provider(session: Session, provider_id: int, now: datetime,
                           *, limit: int = 500) -> list[Application]:
    """The files of one provider transmitted late or overdue, oldest deadline first."""
    return list(session.scalars(
        select(Application)
        .where(Application.provider_id == provider_id, Application.transmit_by_at.is_not(None),
               or_(Application.submitted_at > Application.transmit_by_at,
                   and_(Application.submitted_at.is_(None),
                        Application.state == str(State.TO_COMPLETE),
                        Application.transmit_by_at < now)))
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
