"""Decisions: deposit, the depositor's view, making available. Operations flush only.

Deposit (R. 223-3-1 I and II): each decision is checked, routed to exactly one channel
(``notify.legal.routing.route``), stored with its ``deposited`` event, and answered
about in request order. A deposit of many decisions costs a few queries whatever its
size: holders with their accounts, existing references and latest balances are read
with IN queries of at most 500 values, and decisions and events are inserted in bulk.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, bindparam, func, or_, select
from sqlalchemy.orm import Session, selectinload

from notify.accounts.models import Account, Holder
from notify.auth.permissions import Scope
from notify.db import among, insert_rows
from notify.decisions.content import (
    DecisionContent,
    item_reference,
    parse_item,
)
from notify.decisions.letters import LETTER_VERSION, LetterFacts, letter_sha256
from notify.decisions.models import Decision, DecisionState, subject_of
from notify.errors import NotFound
from notify.evidence.log import append_first_events, format_instant, record_event
from notify.evidence.models import Event, EventTag, EvidenceBatch
from notify.legal.deadlines import deemed_notification_on
from notify.legal.points import Problem, check_decision
from notify.legal.policies import (
    DEFAULT_NOTIFICATION_POLICY,
    DEFAULT_ROUTING_POLICY,
    NotificationPolicy,
    RoutingPolicy,
)
from notify.legal.routing import Channel, DecisionFacts, route
from notify.legal.window import latest_legal_date
from notify.mail.models import OutboxMessage
from notify.mail.outbox import enqueue
from notify.web.formatting import day_end_zone_fr

log = logging.getLogger(__name__)

CHUNK = 500

ALERT_SUBJECT = "Une nouvelle décision est disponible dans votre espace"


class Outcome:
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


@dataclass(slots=True)
class ItemResult:
    """The answer about one deposited item."""

    reference: str | None
    outcome: str
    channel: str | None = None
    errors: list[Problem] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        answer: dict[str, Any] = {"reference": self.reference, "outcome": self.outcome}
        if self.channel is not None:
            answer["channel"] = self.channel
        answer["errors"] = [{"field": p.field, "message": p.message} for p in self.errors]
        return answer


def _chunks(values: Sequence, size: int = CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


# --- the holder's balance before a decision ------------------------------------------


@dataclass(frozen=True, slots=True)
class _Addressee:
    """A holder as the deposit reads him: his id and what his letter says of him."""

    id: int
    name: str
    postal_address: str
    territory: str


@dataclass(frozen=True, order=True)
class _Known:
    """A decision known for a holder: ordered by decision date, then deposit order."""

    decided_on: date
    rank: int
    balance: int


class _Balances:
    """The holder's balance before each deposited decision.

    The previous balance is that of the holder's latest decision dated on or before the
    new one (ties: the one deposited last), among stored decisions and those accepted
    earlier in the same request. It is what ``check_decision`` compares against: a
    withdrawal must lower it by its points, a restoration raise it.
    """

    def __init__(self, session: Session, holder_ids: list[int]) -> None:
        self.session = session
        self.latest: dict[int, _Known] = {}
        self.accepted: dict[int, list[_Known]] = defaultdict(list)
        for chunk in _chunks(holder_ids):
            ranked = (
                select(Decision.holder_id, Decision.decided_on, Decision.balance_after,
                       func.row_number().over(
                           partition_by=Decision.holder_id,
                           order_by=(Decision.decided_on.desc(), Decision.id.desc()),
                       ).label("n"))
                .where(among(session, Decision.holder_id, chunk),
                       Decision.balance_after.is_not(None))
                .subquery()
            )
            for holder_id, decided_on, balance, _n in session.execute(
                    select(ranked).where(ranked.c.n == 1)):
                self.latest[holder_id] = _Known(decided_on, 0, balance)

    def before(self, holder_id: int, decided_on: date) -> int | None:
        latest = self.latest.get(holder_id)
        if latest is None:
            return None
        if decided_on >= latest.decided_on:
            return latest.balance
        # A decision older than the latest known one: rare, answered by its own query.
        candidates = [k for k in self.accepted[holder_id] if k.decided_on <= decided_on]
        stored = self.session.execute(
            select(Decision.decided_on, Decision.balance_after)
            .where(Decision.holder_id == holder_id, Decision.decided_on <= decided_on,
                   Decision.balance_after.is_not(None))
            .order_by(Decision.decided_on.desc(), Decision.id.desc()).limit(1)
        ).first()
        if stored is not None:
            candidates.append(_Known(stored.decided_on, 0, stored.balance_after))
        return max(candidates).balance if candidates else None

    def accept(self, holder_id: int, decided_on: date, rank: int, balance: int) -> None:
        known = _Known(decided_on, rank, balance)
        self.accepted[holder_id].append(known)
        if holder_id not in self.latest or known > self.latest[holder_id]:
            self.latest[holder_id] = known


# --- deposit ------------------------------------------------------------------------


def _conflict(reference: str) -> ItemResult:
    return ItemResult(reference, Outcome.REJECTED, errors=[Problem(
        "reference", "référence déjà utilisée pour une décision au contenu différent")])


_gc_lock = threading.Lock()
_gc_pausers = 0
_gc_was_enabled = True


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a bulk deposit.

    A deposit of 10,000 decisions allocates millions of objects that all live until the
    commit; the collector's full passes scan them again and again, measured at a fifth
    of the deposit's time. Nothing in a deposit needs a cycle collected before it ends
    (reference counting frees the rest), so the collector waits, and resumes when the
    last concurrent deposit of this process ends.
    """
    global _gc_pausers, _gc_was_enabled
    with _gc_lock:
        if _gc_pausers == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pausers += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pausers -= 1
            if _gc_pausers == 0 and _gc_was_enabled:
                gc.enable()


def deposit(
    session: Session,
    items: Sequence[Any],
    *,
    depositor: str,
    organisation_id: int,
    now: datetime,
    routing_policy: RoutingPolicy = DEFAULT_ROUTING_POLICY,
    letter_hash=letter_sha256,
) -> list[ItemResult]:
    """Deposit ``items`` (decoded JSON objects) for the API client ``depositor`` of the
    organisation ``organisation_id`` (which alone may read them back).

    Valid items are stored and answered ``accepted`` with their channel; an item whose
    reference is already stored with the same content is a ``duplicate`` answered as
    the first time; invalid items, and a known reference with another content, are
    ``rejected`` with every problem found. Nothing is committed here: the caller
    commits the whole deposit at once, so a database failure loses none of it or all.

    ``letter_hash`` renders the letter and returns its SHA-256 (a parameter so that the
    benchmark can measure the deposit with and without rendering).
    """
    with _gc_paused():
        return _deposit(session, items, depositor=depositor,
                        organisation_id=organisation_id, now=now,
                        routing_policy=routing_policy, letter_hash=letter_hash)


def _deposit(session: Session, items: Sequence[Any], *, depositor: str, organisation_id: int,
             now: datetime, routing_policy: RoutingPolicy, letter_hash) -> list[ItemResult]:
    latest = latest_legal_date(now)
    parsed: list[tuple[DecisionContent | None, list[Problem]]] = [
        parse_item(raw, latest) for raw in items]
    contents = [content for content, _ in parsed if content is not None]

    holders: dict[str, _Addressee] = {}
    open_accounts: set[int] = set()
    licences = sorted({c.licence_number for c in contents})
    for chunk in _chunks(licences):
        # A holder has at most one account (unique holder_id); of it, only the two
        # columns ``Account.open_at`` reads, not an ORM object per account (twice the
        # time of the query).
        for holder_id, licence, given_names, surname, address, territory, state, closure in (
                session.execute(
                    select(Holder.id, Holder.licence_number, Holder.given_names,
                           Holder.surname, Holder.postal_address, Holder.territory,
                           Account.state, Account.closure_effective_at)
                    .outerjoin(Account, Account.holder_id == Holder.id)
                    .where(among(session, Holder.licence_number, chunk)))):
            holders[licence] = _Addressee(holder_id, f"{given_names} {surname}", address,
                                          territory)
            if state is not None and Account.open_at(state, closure, now):
                open_accounts.add(holder_id)
    holder_ids = sorted({holder.id for holder in holders.values()})
    stored: dict[str, tuple[str, str]] = {}
    references = sorted({c.reference for c in contents})
    for chunk in _chunks(references):
        for reference, sha, channel in session.execute(
                select(Decision.reference, Decision.content_sha256, Decision.channel)
                .where(among(session, Decision.reference, chunk))):
            stored[reference] = (sha, channel)
    balances = _Balances(session, holder_ids)

    results: list[ItemResult] = []
    accepted: list[tuple[DecisionContent, int, Any, str]] = []
    for rank, (raw, (content, problems)) in enumerate(zip(items, parsed, strict=True), 1):
        if content is None:
            results.append(ItemResult(item_reference(raw), Outcome.REJECTED, errors=problems))
            continue
        sha = content.sha256
        if content.reference in stored:
            stored_sha, channel = stored[content.reference]
            results.append(ItemResult(content.reference, Outcome.DUPLICATE, channel)
                           if stored_sha == sha else _conflict(content.reference))
            continue
        holder = holders.get(content.licence_number)
        problems = []
        if holder is None:
            problems.append(Problem("licence_number",
                                    "numéro de permis inconnu du fichier des titulaires"))
        previous = balances.before(holder.id, content.decided_on) if holder else None
        problems += check_decision(content.kind, content.points, content.balance_after,
                                   content.probationary, previous_balance=previous,
                                   restoration_basis=content.restoration_basis)
        if problems:
            results.append(ItemResult(content.reference, Outcome.REJECTED, errors=problems))
            continue
        routing = route(
            DecisionFacts(kind=content.kind, points=content.points,
                          balance_after=content.balance_after,
                          probationary=content.probationary,
                          restoration_basis=content.restoration_basis),
            account_open=holder.id in open_accounts,
            policy=routing_policy,
        )
        balances.accept(holder.id, content.decided_on, rank, content.balance_after)
        stored[content.reference] = (sha, routing.channel)
        accepted.append((content, holder, routing, sha))
        results.append(ItemResult(content.reference, Outcome.ACCEPTED, routing.channel))

    _store(session, accepted, depositor=depositor, organisation_id=organisation_id, now=now,
           letter_hash=letter_hash)
    return results


def _store(session: Session, accepted, *, depositor: str, organisation_id: int, now: datetime,
           letter_hash) -> None:
    if not accepted:
        return
    rows = []
    events = []
    for content, holder, routing, sha in accepted:
        offence = content.offence
        row = {
            "reference": content.reference, "holder_id": holder.id, "kind": str(content.kind),
            "decided_on": content.decided_on, "points": content.points,
            "balance_after": content.balance_after, "probationary": content.probationary,
            "offence_date": offence.date if offence else None,
            "offence_place": offence.place if offence else None,
            "offence_description": offence.description if offence else None,
            "offence_class": str(offence.offence_class) if offence else None,
            "restoration_basis": (str(content.restoration_basis)
                                  if content.restoration_basis else None),
            "content_sha256": sha, "channel": str(routing.channel),
            "routing_reason": routing.reason, "routing_policy": routing.policy_ref,
            "deposited_at": now, "deposited_by": depositor, "organisation_id": organisation_id,
            "state": (DecisionState.PENDING_CERTIFICATION if routing.channel == Channel.ONLINE
                      else DecisionState.AWAITING_PRINT).value,
            "letter_version": LETTER_VERSION, "addressee_name": holder.name,
            "addressee_address": holder.postal_address,
            "addressee_territory": holder.territory,
        }
        row["letter_sha256"] = letter_hash(LetterFacts(
            reference=content.reference, licence_number=content.licence_number,
            kind=row["kind"], points=content.points, balance_after=content.balance_after,
            decided_on=content.decided_on, probationary=content.probationary,
            channel=row["channel"], offence_date=row["offence_date"],
            offence_place=row["offence_place"], offence_description=row["offence_description"],
            offence_class=row["offence_class"], restoration_basis=row["restoration_basis"],
            version=LETTER_VERSION, holder_name=holder.name,
            postal_address=holder.postal_address, territory=holder.territory))
        rows.append(row)
        events.append((subject_of(content.reference), {
            "channel": row["channel"],
            "routing_policy": routing.policy_ref,
            "content_sha256": sha,
            "letter_sha256": row["letter_sha256"],
            "letter_version": LETTER_VERSION,
        }))
    event_ids = append_first_events(session, subjects_data=events, tag=EventTag.DEPOSITED,
                                    actor=f"api:{depositor}", at=now)
    for row, event_id in zip(rows, event_ids, strict=True):
        row["deposit_event_id"] = event_id
    # The driver's bulk insert (COPY on PostgreSQL, executemany on SQLite), not the
    # ORM's (one statement per run of rows with the same None columns) nor Core's
    # (SQLAlchemy's parameter processing, row by row, was a tenth of the deposit).
    insert_rows(session, Decision.__table__, rows)


# --- the depositor's view -----------------------------------------------------------


def _instant(value: datetime | None) -> str | None:
    return format_instant(value) if value is not None else None


def decision_status(session: Session, reference: str, scope: Scope,
                    organisation_id: int) -> dict[str, Any]:
    """What the depositor may know of a decision (``GET /api/v1/decisions/<ref>``).

    ``scope`` decides whose decisions the reader (of ``organisation_id``) may see: a
    decision it may not see is answered as unknown.
    """
    decision = session.scalar(select(Decision).where(Decision.reference == reference))
    if decision is None or not scope.check_owner(organisation_id, decision.organisation_id):
        raise NotFound(f"Aucune décision déposée sous la référence « {reference} ».")
    alert = None
    message = session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.kind == "decision_alert",
               OutboxMessage.subject_ref == decision.subject)
        .order_by(OutboxMessage.id.desc()).limit(1))
    if message is not None:
        at = message.sent_at
        if at is None and message.state == "failed":
            at = session.scalar(
                select(Event.occurred_at)
                .where(Event.subject == decision.subject, Event.tag == EventTag.ALERT_FAILED)
                .order_by(Event.seq.desc()).limit(1))
        alert = {"state": message.state, "at": _instant(at)}
    notification = None
    if decision.notified_at is not None:
        notification = {"at": _instant(decision.notified_at),
                        "on": decision.notified_on.isoformat(),
                        "basis": decision.notification_basis,
                        "policy": decision.notification_policy}
    return {
        "reference": decision.reference,
        "channel": decision.channel,
        "state": decision.state,
        "made_available_at": _instant(decision.made_available_at),
        "alert": alert,
        "first_consulted_at": _instant(decision.first_consulted_at),
        "notification": notification,
        "appeal_deadline": (decision.appeal_deadline.isoformat()
                            if decision.appeal_deadline else None),
    }


# --- making available (R. 223-3-1 II and III) ----------------------------------------


@dataclass
class AvailabilityReport:
    made_available: int = 0
    alerts_queued: int = 0


def make_available(session: Session, *, now: datetime, base_url: str,
                   policy: NotificationPolicy = DEFAULT_NOTIFICATION_POLICY,
                   limit: int = 500) -> AvailabilityReport:
    """Make available the online decisions whose deposit event has been certified.

    The making available is the instant certified by the timestamp token of the batch
    holding the ``deposited`` event (its genTime): the fifteen-day delay of R. 223-3-1
    III runs from it, not from the time this job runs. While the batch has no token
    (TSA down), the decision waits and no delay runs. Each decision gets a
    ``made_available`` event at that instant, and an alert e-mail (R. 223-3-1 II) to
    the holder's verified address is queued in the same transaction, carrying no
    detail of the decision but until when it can be opened before it is deemed
    notified (the end of the delay under ``policy``, in the holder's named time).

    Rows are locked ``FOR UPDATE SKIP LOCKED`` (PostgreSQL): two runs at once take
    different decisions, and a decision already ``available`` is never taken again.
    Needs an application context (mail templates).
    """
    report = AvailabilityReport()
    rows = session.execute(
        select(Decision, EvidenceBatch.gen_time, EvidenceBatch.seq)
        .join(Event, Event.id == Decision.deposit_event_id)
        .join(EvidenceBatch, EvidenceBatch.id == Event.batch_id)
        .where(Decision.state == DecisionState.PENDING_CERTIFICATION,
               Decision.channel == Channel.ONLINE,
               EvidenceBatch.token.is_not(None), EvidenceBatch.gen_time.is_not(None))
        .order_by(Decision.id)
        .limit(limit)
        .with_for_update(of=Decision, skip_locked=True)
    ).all()
    if not rows:
        return report
    holder_ids = sorted({decision.holder_id for decision, _, _ in rows})
    accounts: dict[int, Account] = {}
    for chunk in _chunks(holder_ids):
        for account in session.scalars(select(Account).options(selectinload(Account.holder))
                                       .where(Account.holder_id.in_(chunk))):
            accounts[account.holder_id] = account
    link = base_url.rstrip("/") + "/decisions"
    for decision, gen_time, batch_seq in rows:
        decision.state = DecisionState.AVAILABLE
        decision.made_available_at = gen_time
        record_event(session, subject=decision.subject, tag=EventTag.MADE_AVAILABLE,
                     actor="system", at=gen_time,
                     data={"evidence_batch": batch_seq, "letter_sha256": decision.letter_sha256})
        report.made_available += 1
        account = accounts.get(decision.holder_id)
        if account is not None and account.email_verified_at is not None:
            territory = account.holder.territory
            enqueue(session, kind="decision_alert", to=account.email,
                    subject=ALERT_SUBJECT, template="decision_alert",
                    now=now, subject_ref=decision.subject, link=link,
                    open_until=day_end_zone_fr(
                        deemed_notification_on(gen_time, territory, policy), territory))
            report.alerts_queued += 1
        else:
            log.warning("decision %s made available without an alert: no verified address",
                        decision.reference)
    session.flush()
    return report


# --- hooks for the holder's side ----------------------------------------------------


def visible_to_holder(holder_id) -> tuple:
    """The decisions a holder may see on his account (``holder_id`` a value or a bound
    parameter): online, made available, still available or notified. A decision
    waiting for certification does not exist for the holder yet (R. 223-3-1 III), and
    postal ones are notified on paper. (Two equalities rather than an IN, whose
    expanding parameter is rendered again at each execution.)"""
    return (Decision.holder_id == holder_id, Decision.channel == Channel.ONLINE,
            Decision.made_available_at.is_not(None),
            or_(Decision.state == DecisionState.AVAILABLE,
                Decision.state == DecisionState.NOTIFIED))


_RECORD_OF_HOLDER = (
    select(*Decision.__table__.c)
    .where(Decision.holder_id == bindparam("holder_id"),
           (Decision.channel != Channel.ONLINE) | Decision.made_available_at.is_not(None))
    .order_by(Decision.decided_on.desc(), Decision.id.desc()))
"""Built once: every holder page runs it."""


def record_of_holder(session: Session, holder_id: int) -> Sequence[Row[Any]]:
    """Every decision of the holder's record, latest decided first: the online ones once
    made available (before, they do not exist for him, R. 223-3-1 III), and the postal
    ones from their deposit, whatever became of the letter.

    Plain rows of the decisions' columns, not ORM objects: the pages and the record only
    read them. Run on the session's connection after a flush, which skips the ORM's
    handling of the statement and its result and still sees the session's changes."""
    session.flush()
    return session.connection().execute(_RECORD_OF_HOLDER, {"holder_id": holder_id}).all()
