"""The deemed notification at the end of the fifteen-day delay (R. 223-3-1 III).

"... ou à défaut de consultation dans un délai de quinze jours à compter de la date de
leur mise à disposition sur celui-ci, à l'issue de ce délai." For every decision made
available and not consulted, a ``deemed_notified`` event is appended to its chain AT THE
LEGAL INSTANT (``notify.legal.deadlines.deemed_notification_at``), not at the time the
job happens to run; the decision gets its notification date and appeal deadline. Its
place in the chain, after every earlier event of the decision, is the evidence that no
consultation had been recorded before the end of the delay.

Bulk: a chunk of decisions costs a handful of statements whatever its size: one select
(rows locked ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two jobs at once take
different decisions; candidates found through the partial index
``ix_decisions_deemed_candidates``; on PostgreSQL each one's last event read in the
same statement), the events appended with ``notify.evidence.log.append_encoded_events``
(the documents ``record_event`` would build, byte for byte, written by fixed-shape
writers, ``DeemedData`` and ``EventForm``, and sent in one ``COPY`` on PostgreSQL), and
one ``UPDATE ... FROM unnest(...)`` of the chunk's decisions (on SQLite one per group
of decisions sharing their notification: same territory and local day of the making
available). The legal arithmetic stays in ``notify.legal.deadlines``;
it is only memoised per group, which is all it depends on for a
deemed notification.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import literal, select, text, true, update
from sqlalchemy.orm import Session

from notify.accounts.models import Holder
from notify.db import drain
from notify.decisions.models import Decision, DecisionState, deemed_candidates, subject_of
from notify.evidence.log import (
    ChainConflict,
    EventForm,
    append_encoded_events,
    canonical_json,
    canonical_string,
    format_instant,
    record_event,
)
from notify.evidence.models import Event, EventTag
from notify.legal.courts import appeal_terms
from notify.legal.deadlines import Notification, notification
from notify.legal.policies import (
    DEFAULT_APPEAL_POLICY,
    DEFAULT_NOTIFICATION_POLICY,
    NotificationPolicy,
)
from notify.legal.territories import get_territory

log = logging.getLogger(__name__)

CHUNK = 2000
"""Decisions per transaction: small enough for SQLite's bound parameters and short locks."""

EARLIEST_END = timedelta(days=14)
"""A lower bound of (end of the delay - making available), used only to narrow the SQL
scan: the delay ends at 24:00 of day d + 15, more than fifteen days after any instant of
day d, less an hour at most around a daylight-saving change. Each row is then checked
with ``notification`` itself."""


def appeal_deadline_for(notified_on: date, territory: str) -> date:
    """The appeal deadline shown and recorded with a notification (CJA R. 421-1, -5, -7).

    Computed by ``notify.legal.courts.appeal_terms``, the rule the letter states: every
    holder appeals before the court of his residence, so no délai de distance applies
    (see that module)."""
    return appeal_terms(territory).deadline(notified_on)


def notification_record(notice: Notification, deadline: date) -> dict[str, Any]:
    """What an event says about a notification: enough to recompute and check it."""
    return {
        "basis": str(notice.basis),
        "at": format_instant(notice.at),
        "on": notice.on.isoformat(),
        "policy": notice.policy_ref,
        "delay_ends_at": format_instant(notice.delay_ends_at),
        "territory": str(notice.territory),
        "appeal_deadline": deadline.isoformat(),
        "appeal_policy": DEFAULT_APPEAL_POLICY.ref,
        "residence": str(appeal_terms(notice.territory).residence),
    }


def deemed_event_data(made_available_at: datetime, notice: Notification,
                      deadline: date) -> dict[str, Any]:
    """The data of a ``deemed_notified`` event (the bulk path and the single one agree)."""
    return {"made_available_at": format_instant(made_available_at),
            "consulted_before_end": False,
            "notification": notification_record(notice, deadline)}


def apply_notification(decision: Decision, notice: Notification, deadline: date) -> None:
    decision.state = DecisionState.NOTIFIED
    decision.notified_at = notice.at
    decision.notified_on = notice.on
    decision.notification_basis = str(notice.basis)
    decision.notification_policy = notice.policy_ref
    decision.appeal_deadline = deadline


def record_deemed_notification(session: Session, decision: Decision, territory: str,
                               policy: NotificationPolicy = DEFAULT_NOTIFICATION_POLICY
                               ) -> Notification:
    """Record the deemed notification of one decision whose delay has ended (flushes).

    For a holder who opens a decision after the end of the delay before the job has
    passed: the deemed notification is recorded first, at its legal instant, then his
    consultation. The caller holds the decision's row lock.
    """
    notice = notification(decision.made_available_at, None, territory, policy=policy)
    deadline = appeal_deadline_for(notice.on, territory)
    record_event(session, subject=decision.subject, tag=EventTag.DEEMED_NOTIFIED,
                 actor="system", at=notice.at,
                 data=deemed_event_data(decision.made_available_at, notice, deadline))
    apply_notification(decision, notice, deadline)
    return notice


# --- the job ------------------------------------------------------------------------


@dataclass
class DeemedReport:
    notified: int = 0
    scanned: int = 0
    last_id: int | None = None
    """The highest decision id looked at; the next chunk starts after it."""


class DeemedData:
    """The canonical JSON of ``deemed_event_data`` for one notification record, written
    without the general encoder: the keys are known and sorted in advance
    (``consulted_before_end``, ``made_available_at``, ``notification``), the record is
    encoded once by ``canonical_json``, and the one value that varies per decision goes
    through the encoder's own string escaping (``tests/unit/decisions/
    test_deemed_document.py`` compares it with the general encoder)."""

    __slots__ = ("_tail",)

    _HEAD = '{"consulted_before_end":false,"made_available_at":'

    def __init__(self, record: dict[str, Any]) -> None:
        self._tail = f',"notification":{canonical_json(record).decode("utf-8")}}}'

    def json(self, made_available_at: datetime) -> str:
        return self._HEAD + canonical_string(format_instant(made_available_at)) + self._tail


@dataclass(frozen=True, eq=False)  # memoised: one object per group, hashed by identity
class _Group:
    """The deemed notification shared by decisions made available on the same local day
    in the same territory, and what its events share."""

    notice: Notification
    deadline: date
    data: DeemedData
    form: EventForm


class _Deemed:
    """Memoised deemed notifications: they depend only on the territory and the local
    date of the making available."""

    def __init__(self, policy: NotificationPolicy = DEFAULT_NOTIFICATION_POLICY) -> None:
        self.policy = policy
        self._cache: dict[tuple[str, date], _Group] = {}
        self._zones: dict[str, Any] = {}  # get_territory costs more than the rest of of()

    def of(self, made_available_at: datetime, territory: str) -> _Group:
        zone = self._zones.get(territory)
        if zone is None:
            zone = self._zones[territory] = get_territory(territory).zone
        key = (territory, made_available_at.astimezone(zone).date())
        group = self._cache.get(key)
        if group is None:
            notice = notification(made_available_at, None, territory, policy=self.policy)
            deadline = appeal_deadline_for(notice.on, territory)
            group = self._cache[key] = _Group(
                notice, deadline, DeemedData(notification_record(notice, deadline)),
                EventForm(EventTag.DEEMED_NOTIFIED, "system", notice.at))
        return group


_LAST_EVENT = (select(Event.seq, Event.hash)
               .where(Event.subject == literal(subject_of("")) + Decision.reference)
               .order_by(Event.seq.desc()).limit(1).lateral("last_event"))
"""The last event of a candidate decision (``LEFT JOIN LATERAL``, PostgreSQL)."""


def record_deemed_notifications(session: Session, *, now: datetime, after_id: int = 0,
                                limit: int = CHUNK, deemed: _Deemed | None = None
                                ) -> DeemedReport:
    """Record the deemed notifications due at ``now`` among the next ``limit`` candidate
    decisions with an id above ``after_id`` (flushes; the caller commits).

    Candidates: online decisions made available, neither consulted nor notified, made
    available long enough ago for their delay to have possibly ended; each is then
    checked exactly. Running it again records nothing new.
    """
    deemed = deemed or _Deemed()
    report = DeemedReport()
    postgres = session.get_bind().dialect.name == "postgresql"
    candidates = (
        select(Decision.id, Decision.reference, Decision.made_available_at, Holder.territory)
        .join(Holder, Holder.id == Decision.holder_id)
        .where(Decision.id > after_id, *deemed_candidates(),
               Decision.made_available_at <= now - EARLIEST_END)
        .order_by(Decision.id)
        .limit(limit)
        .with_for_update(of=Decision, skip_locked=True))
    if postgres:
        # each decision's last event read in the same statement (one index probe each)
        # rather than by append_encoded_events in another, with 2,000 subjects sent back
        candidates = candidates.outerjoin(_LAST_EVENT, true()).add_columns(
            _LAST_EVENT.c.seq, _LAST_EVENT.c.hash)
    session.flush()
    # through the session's connection: plain rows, without the ORM's loading of them
    rows = session.connection().execute(candidates).all()
    if not rows:
        return report
    report.scanned = len(rows)
    report.last_id = rows[-1].id
    # deemed_event_data's canonical JSON, the notification part written once per group;
    # one pass, each row unpacked once (a Row's attributes cost a lookup each)
    events = []
    last: dict[str, tuple[int, str | None]] | None = {} if postgres else None
    by_group: dict[_Group, list[int]] = {}
    of = deemed.of
    for id_, reference, made_available_at, territory, *chain in rows:
        group = of(made_available_at, territory)
        if group.notice.at > now:
            continue
        subject = subject_of(reference)
        events.append((subject, group.form, group.data.json(made_available_at)))
        if last is not None:
            seq, hash_ = chain
            last[subject] = (seq or 0, hash_)
        ids = by_group.get(group)
        if ids is None:
            ids = by_group[group] = []
        ids.append(id_)
    if not events:
        return report
    append_encoded_events(session, events, last=last)
    _mark_notified(session, by_group)
    report.notified = len(events)
    return report


_MARK_NOTIFIED_POSTGRES = text("""
UPDATE decisions AS d
SET state = :state, notified_at = g.notified_at, notified_on = g.notified_on,
    notification_basis = g.basis, notification_policy = g.policy, appeal_deadline = g.deadline
FROM unnest(CAST(:ids AS bigint[]), CAST(:groups AS int[])) AS v(id, g)
JOIN unnest(CAST(:at AS timestamptz[]), CAST(:on AS date[]), CAST(:basis AS text[]),
            CAST(:policy AS text[]), CAST(:deadline AS date[])) WITH ORDINALITY
     AS g(notified_at, notified_on, basis, policy, deadline, n) ON g.n = v.g
WHERE d.id = v.id
""")


def _mark_notified(session: Session, by_group: dict[_Group, list[int]]) -> None:
    """Set the notification of the decisions, whose rows the select has locked.

    PostgreSQL: one ``UPDATE ... FROM unnest(...)`` for the whole chunk: the groups'
    notifications in short arrays, and per decision its id and its group's number, both
    spelt as array literals (integers only: a join of strings, where the driver's
    adaptation of thousands of values took a third of the job). SQLite: one
    ``UPDATE ... WHERE id IN`` per group of decisions sharing their notification."""
    if session.get_bind().dialect.name == "postgresql":
        groups = list(by_group)
        session.execute(_MARK_NOTIFIED_POSTGRES, {
            "state": DecisionState.NOTIFIED.value,
            "ids": "{" + ",".join(str(i) for ids in by_group.values() for i in ids) + "}",
            "groups": "{" + ",".join(",".join([str(n)] * len(ids))
                                     for n, ids in enumerate(by_group.values(), 1)) + "}",
            "at": [g.notice.at for g in groups], "on": [g.notice.on for g in groups],
            "basis": [str(g.notice.basis) for g in groups],
            "policy": [g.notice.policy_ref for g in groups],
            "deadline": [g.deadline for g in groups]})
        return
    table = Decision.__table__
    for group, ids in by_group.items():
        notice = group.notice
        session.execute(update(table).where(table.c.id.in_(ids)).values(
            state=DecisionState.NOTIFIED.value, notified_at=notice.at, notified_on=notice.on,
            notification_basis=str(notice.basis), notification_policy=notice.policy_ref,
            appeal_deadline=group.deadline))


def run_deemed_notifications(db, clock, *, limit: int = CHUNK,
                             policy: NotificationPolicy = DEFAULT_NOTIFICATION_POLICY
                             ) -> DeemedReport:
    """The job: every due decision, one committed transaction per chunk.

    A crash loses at most the chunk in flight, which the next run takes again. ``now``
    is read once, so that one run applies one cut-off.
    """
    now = clock.now()
    deemed = _Deemed(policy)
    # A chunk whose events meet another writer's on a decision's chain (an alert being
    # recorded, a consultation) is done again on the new chain.
    reports = drain(db, lambda session, after_id: record_deemed_notifications(
        session, now=now, after_id=after_id, limit=limit, deemed=deemed),
        retry=(ChainConflict,))
    total = DeemedReport(notified=sum(r.notified for r in reports),
                         scanned=sum(r.scanned for r in reports),
                         last_id=max((r.last_id for r in reports if r.last_id), default=None))
    if total.notified:
        log.info("%s decision(s) deemed notified", total.notified)
    return total
