"""The outbox sender: claim due messages, hand them to SMTP, record each answer at once.

Three steps, each its own transaction:

1. ``claim_due`` takes the due rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite
   serialises writers), moves their ``next_attempt_at`` forward by a lease so that no
   other sender takes them, gives each a Message-ID, and commits.
2. The messages are rendered from their template and sent over ``connections`` SMTP
   sessions in threads (the waits on the server are what they overlap).
3. Every answer is recorded by ``record_outcomes`` and committed (with the others that
   arrived meanwhile, at most one per session) before the session that got it sends
   its next message. A sender killed at any instant has
   therefore at most one accepted but unrecorded message per SMTP session: those go
   out again after the lease (with the same Message-ID); every other accepted message
   is recorded, every unsent one comes back after the lease.

A message that cannot be sent for a reason of its own (its template fails, its
address needs SMTPUTF8 the server does not offer, a 5xx) fails alone, at once, with
that reason; the others go on.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import queue
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from jinja2 import TemplateError
from sqlalchemy import Boolean, String, Text, bindparam, case, delete, func, null, select, update
from sqlalchemy.orm import Session

from notify.clock import Clock
from notify.db import Database, UTCDateTime, committed
from notify.evidence.log import ChainConflict, NewEvent, append_events
from notify.evidence.models import EventTag
from notify.mail.addresses import envelope_address
from notify.mail.message import new_message_id, render
from notify.mail.models import MessageState, OutboxMessage
from notify.mail.smtp import MailTransport, PermanentMailError, TemporaryMailError

log = logging.getLogger(__name__)

# Messages whose fate is legal evidence (R. 223-3-1 II: the alert of a deposit; the
# reminder before the end of the delay): the SMTP server's acceptance, or the final
# failure, is an event of their subject, with these tags.
EVIDENCED_KINDS = {"decision_alert": (EventTag.ALERT_SENT, EventTag.ALERT_FAILED),
                   "decision_reminder": (EventTag.REMINDER_SENT, EventTag.REMINDER_FAILED)}

ADDRESS = re.compile(r"[^\s<>\"',;:]+@[^\s<>\"',;:]+")

FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=6)
# How long claimed rows stay with the sender that took them. Longer than a run of
# the job can last (at most ``limit`` messages over SMTP timeouts).
CLAIM_LEASE = timedelta(minutes=15)

def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff: 30 s, 1 min, 2 min… capped at 6 hours."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_RETRY)


def recipient_key(secret_key: str) -> bytes:
    """The key of the recipients' keyed hashes in the evidence, derived from the app
    secret for this use only (an HMAC of a fixed label), so that it is not the secret
    itself and proves nothing else."""
    return hmac.new(secret_key.encode(), b"notify/evidence/recipient-address",
                    hashlib.sha256).digest()


def recipient_hmac(key: bytes, address: str) -> str:
    """Who received it, without the address: a holder can prove it was his address
    (given the key), nobody can read it back from the evidence."""
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()


@dataclass
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0

    def count(self, outcome: MessageState | str) -> None:
        if outcome == MessageState.SENT:
            self.sent += 1
        elif outcome == MessageState.FAILED:
            self.failed += 1
        else:
            self.retried += 1


@dataclass(frozen=True)
class Outgoing:
    """A claimed message, ready for SMTP (or already known to be unsendable), with what
    recording its answer needs of its row (the row is leased: nobody else changes it)."""

    row_id: int
    recipient: str
    smtputf8: bool
    data: bytes
    problem: PermanentMailError | None = None
    kind: str = ""
    subject_ref: str | None = None
    to_address: str = ""
    message_id: str | None = None
    attempts: int = 0


def _compose(row: OutboxMessage, sender: str, at: datetime) -> Outgoing:
    recipient, smtputf8 = envelope_address(row.to_address)
    known = {"kind": row.kind, "subject_ref": row.subject_ref, "to_address": row.to_address,
             "message_id": row.message_id, "attempts": row.attempts}
    try:
        text, html = row.bodies()
        data = render(message_id=row.message_id, sender=sender, to=row.to_address,
                      subject=row.subject, text=text, html=html, at=at)
    except (TemplateError, UnicodeError, TypeError, ValueError) as exc:
        problem = PermanentMailError(f"message impossible à composer : {exc}")
        return Outgoing(row.id, recipient, smtputf8, b"", problem, **known)
    return Outgoing(row.id, recipient, smtputf8, data, **known)


def claim_due(session: Session, now: datetime, *, sender: str, limit: int) -> list[Outgoing]:
    """Take the messages due at ``now`` for this sender, and render them (flushes)."""
    rows = list(session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.state == MessageState.PENDING,
               OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)))
    for row in rows:
        row.next_attempt_at = now + CLAIM_LEASE
        if row.message_id is None:
            row.message_id = new_message_id(sender)
    session.flush()
    return [_compose(row, sender, now) for row in rows]


def _event(message: Outgoing, outcome: dict[str, Any], key: bytes) -> NewEvent | None:
    """The evidence event of a sent or finally failed message, if its kind has one."""
    if message.kind not in EVIDENCED_KINDS or not message.subject_ref:
        return None
    sent = outcome["state"] == MessageState.SENT
    data = {"outbox_id": message.row_id, "attempts": outcome["attempts"],
            "message_id": message.message_id,
            "recipient_hmac": recipient_hmac(key, message.to_address)}
    if sent:
        data.update(message_sha256=outcome["sent_sha256"],
                    smtp_response=outcome["smtp_response"])
    else:
        data.update(error=outcome["last_error"])
    sent_tag, failed_tag = EVIDENCED_KINDS[message.kind]
    return NewEvent(subject=message.subject_ref, tag=sent_tag if sent else failed_tag,
                    actor="system", at=outcome["sent_at"] or outcome["now"], data=data)


def _outcome(message: Outgoing, answer: tuple[str, datetime] | Exception, now: datetime,
             max_attempts: int) -> dict[str, Any]:
    """The row's new values after this answer (the parameters of ``_RECORD``)."""
    outcome: dict[str, Any] = {
        "row_id": message.row_id, "attempts": message.attempts + 1, "now": now,
        "retry_at": None, "sent_at": None, "smtp_response": None, "sent_sha256": None}
    if isinstance(answer, Exception):
        # Servers often quote the recipient in their refusal: the address stays out of
        # the row's error, the logs and the evidence (the row already says to whom).
        outcome["last_error"] = error = ADDRESS.sub("<adresse>", str(answer))[:2000]
        if isinstance(answer, PermanentMailError) or outcome["attempts"] >= max_attempts:
            outcome["state"] = MessageState.FAILED
            log.error("outbox message %s failed for good after %s attempt(s): %s",
                      message.row_id, outcome["attempts"], error)
        else:
            outcome["state"] = MessageState.PENDING
            outcome["retry_at"] = now + retry_delay(outcome["attempts"])
            log.warning("outbox message %s will be retried at %s: %s", message.row_id,
                        outcome["retry_at"].isoformat(), error)
    else:
        outcome.update(state=MessageState.SENT, last_error=None,
                       sent_sha256=hashlib.sha256(message.data).hexdigest())
        outcome["smtp_response"], outcome["sent_at"] = answer
    outcome["wipe"] = outcome["state"] == MessageState.SENT
    return outcome


_TABLE = OutboxMessage.__table__
# One prepared UPDATE for the whole chunk of answers (the driver's executemany: one
# round trip, pipelined on PostgreSQL). A sent message's arguments are wiped (the link
# it carried must not outlive the sending); what an answer does not say stays as it was.
_RECORD = update(_TABLE).where(_TABLE.c.id == bindparam("row_id")).values(
    attempts=bindparam("attempts"), state=bindparam("state"),
    last_error=bindparam("last_error"),
    next_attempt_at=func.coalesce(bindparam("retry_at", type_=UTCDateTime),
                                  _TABLE.c.next_attempt_at),
    sent_at=func.coalesce(bindparam("sent_at", type_=UTCDateTime), _TABLE.c.sent_at),
    smtp_response=func.coalesce(bindparam("smtp_response", type_=Text),
                                _TABLE.c.smtp_response),
    sent_sha256=func.coalesce(bindparam("sent_sha256", type_=String), _TABLE.c.sent_sha256),
    arguments=case((bindparam("wipe", type_=Boolean), null()), else_=_TABLE.c.arguments))


def record_outcomes(session: Session,
                    answers: list[tuple[Outgoing, tuple[str, datetime] | Exception]], *,
                    now: datetime, max_attempts: int, key: bytes) -> list[MessageState]:
    """Write what became of each message: sent (its arguments wiped), retried or failed,
    with the evidence events of the alerts (flushes). Set-based: one UPDATE for the
    chunk, the events appended together (``append_events``)."""
    outcomes = [_outcome(message, answer, now, max_attempts) for message, answer in answers]
    session.execute(_RECORD, outcomes)
    append_events(session, [event for (message, _), outcome in zip(answers, outcomes,
                                                                   strict=True)
                            if outcome["state"] != MessageState.PENDING
                            and (event := _event(message, outcome, key)) is not None])
    return [outcome["state"] for outcome in outcomes]


Answer = tuple[str, datetime] | Exception
Report = Callable[[Outgoing, Answer], bool]


def _deliver(transport: MailTransport, clock: Clock, messages: list[Outgoing],
             report: Report) -> None:
    """One SMTP session. ``report`` records each answer and returns False to stop."""
    answered = 0
    try:
        with transport.connect() as connection:
            for message in messages:
                try:
                    answer: Answer = (connection.send(message.recipient, message.data,
                                                      smtputf8=message.smtputf8), clock.now())
                except (TemporaryMailError, PermanentMailError) as exc:
                    answer = exc
                except Exception as exc:  # a defect: retried with backoff, never a stop
                    log.exception("outbox message %s: unexpected error", message.row_id)
                    answer = TemporaryMailError(f"erreur inattendue : {exc!r}")
                answered += 1
                if not report(message, answer):
                    return
    except (TemporaryMailError, PermanentMailError) as exc:  # could not connect at all
        for message in messages[answered:]:
            if not report(message, exc):
                return


def send_due(
    db: Database,
    transport: MailTransport,
    clock: Clock,
    *,
    sender: str,
    max_attempts: int,
    key: bytes,
    limit: int = 500,
    connections: int = 1,
) -> SendReport:
    """Send the messages due now, at most ``limit``, over ``connections`` SMTP sessions.

    The database is written by this thread only; each SMTP thread waits for its answer
    to be committed before it sends its next message.
    """
    report = SendReport()
    with db.unit_of_work() as uow:
        claimed = claim_due(uow.session, clock.now(), sender=sender, limit=limit)
        uow.commit()

    def record(batch: list[tuple[Outgoing, Answer]]) -> None:
        # An alert's event meeting another writer's on the decision's chain (the deemed
        # notification job, a consultation) is recorded again after it: the message is
        # sent, its record must not be lost (it would go out again after the lease).
        states = committed(db, lambda session: record_outcomes(
            session, batch, now=clock.now(), max_attempts=max_attempts, key=key),
            retry=(ChainConflict,), tries=5)
        for state in states:
            report.count(state)

    unsendable = [(message, message.problem) for message in claimed if message.problem]
    if unsendable:
        record(unsendable)
    ready = [message for message in claimed if message.problem is None]
    shares = [ready[i::connections] for i in range(min(connections, len(ready)))]
    if not shares:
        return report

    answers: queue.Queue = queue.Queue()
    stopping = threading.Event()

    def hand_over(message: Outgoing, answer: Answer) -> bool:
        recorded = threading.Event()
        answers.put((message, answer, recorded))
        recorded.wait()
        return not stopping.is_set()

    def session(share: list[Outgoing]) -> None:
        try:
            _deliver(transport, clock, share, hand_over)
        finally:
            answers.put(None)

    threads = [threading.Thread(target=session, args=(share,), name=f"smtp-{n}")
               for n, share in enumerate(shares)]
    for thread in threads:
        thread.start()
    running = len(threads)
    try:
        while running:
            # The answers that arrived meanwhile are recorded together: at most one per
            # session, each session waiting for its own.
            items = [answers.get()]
            while True:
                try:
                    items.append(answers.get_nowait())
                except queue.Empty:
                    break
            running -= items.count(None)
            batch = [item for item in items if item is not None]
            try:
                if batch:
                    record([(message, answer) for message, answer, _ in batch])
            finally:
                for _, _, recorded in batch:
                    recorded.set()
    finally:
        # Recording failed (the database went away): let the sessions stop; their
        # unrecorded messages come back after the lease.
        stopping.set()
        while running:
            item = answers.get()
            if item is None:
                running -= 1
            else:
                item[2].set()
        for thread in threads:
            thread.join()
    return report


def purge_sent(session: Session, now: datetime, retention: timedelta) -> int:
    """Delete the finished messages (sent or failed for good) older than ``retention``.

    A sent message's arguments are already gone; what the row still held (the hash of
    what was sent, its Message-ID, the server's answer) is in the evidence log for the
    alerts, whose sending is a legal step. Pending messages are never deleted.
    """
    result = session.execute(
        delete(OutboxMessage)
        .where(OutboxMessage.state.in_([MessageState.SENT, MessageState.FAILED]),
               OutboxMessage.created_at < now - retention)
        .execution_options(synchronize_session=False))
    return result.rowcount
