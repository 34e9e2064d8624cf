"""The outbox sender: the job that takes due messages and hands them to SMTP."""

from __future__ import annotations

import logging
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import select

from notify.clock import Clock
from notify.db import Database
from notify.evidence.log import NewEvent, append_events
from notify.evidence.models import EventTag
from notify.mail.message import render
from notify.mail.models import MessageState, OutboxMessage
from notify.mail.smtp import MailTransport, PermanentMailError, TemporaryMailError

log = logging.getLogger(__name__)

# Messages whose fate is legal evidence (R. 223-3-1 II: the alert of a deposit):
# the SMTP server's acceptance, or the final failure, is an event of their subject.
EVIDENCED_KINDS = {"decision_alert"}

ADDRESS = re.compile(r"[^\s<>\"',;:]+@[^\s<>\"',;:]+")

FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=6)


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff: 30 s, 1 min, 2 min… capped at 6 hours."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_RETRY)


@dataclass
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def build_message(row: OutboxMessage, sender: str, at: datetime) -> bytes:
    return render(message_id=row.id, sender=sender, to=row.to_address, subject=row.subject,
                  text=row.body_text, html=row.body_html, at=at)


def _outcome(row: OutboxMessage, at: datetime) -> NewEvent | None:
    """The evidence event of a sent or finally failed message, if its kind has one."""
    if row.kind not in EVIDENCED_KINDS or not row.subject_ref:
        return None
    sent = row.state == MessageState.SENT
    return NewEvent(
        subject=row.subject_ref,
        tag=EventTag.ALERT_SENT if sent else EventTag.ALERT_FAILED,
        actor="system",
        at=at,
        data={"outbox_id": row.id, "attempts": row.attempts,
              "smtp_response": row.smtp_response if sent else None,
              "error": None if sent else row.last_error},
    )


def _failed_try(row: OutboxMessage, error: Exception, now: datetime, max_attempts: int,
                report: SendReport, outcomes: list[NewEvent]) -> None:
    row.attempts += 1
    # Servers often quote the recipient in their refusal: the address stays out of the
    # row, the logs and the evidence (the row already says to whom it was).
    row.last_error = ADDRESS.sub("<adresse>", str(error))[:2000]
    if isinstance(error, PermanentMailError) or row.attempts >= max_attempts:
        row.state = MessageState.FAILED
        report.failed += 1
        outcomes.append(_outcome(row, now))
        log.error("outbox message %s failed for good after %s attempt(s): %s",
                  row.id, row.attempts, row.last_error)
    else:
        row.next_attempt_at = now + retry_delay(row.attempts)
        report.retried += 1
        log.warning("outbox message %s will be retried at %s: %s",
                    row.id, row.next_attempt_at.isoformat(), row.last_error)


def _deliver(transport: MailTransport, clock: Clock,
             messages: list[tuple[int, str, bytes]]) -> dict[int, tuple[str, datetime] | Exception]:
    """One SMTP session: each message's answer and time, or its error, by row id."""
    results: dict[int, tuple[str, datetime] | Exception] = {}
    try:
        with transport.connect() as connection:
            for row_id, recipient, data in messages:
                try:
                    results[row_id] = (connection.send(recipient, data), clock.now())
                except (TemporaryMailError, PermanentMailError) as exc:
                    results[row_id] = exc
    except (TemporaryMailError, PermanentMailError) as exc:  # could not connect at all
        for row_id, _, _ in messages:
            results.setdefault(row_id, exc)
    return results


def send_due(
    db: Database,
    transport: MailTransport,
    clock: Clock,
    *,
    sender: str,
    max_attempts: int,
    limit: int = 500,
    connections: int = 1,
) -> SendReport:
    """Send the messages due now, at most ``limit``, over ``connections`` SMTP sessions.

    Rows are locked ``FOR UPDATE SKIP LOCKED`` (PostgreSQL), so two senders never take
    the same message; SQLite serialises writers by itself. The SMTP sessions run in
    threads (the waits on the server are what they overlap); the rows and the evidence
    are written by this thread only, in one transaction. A crash between the SMTP
    acceptance and the commit makes the message go out again on the next run: delivery
    is at least once, never zero.
    """
    report = SendReport()
    now = clock.now()
    with db.unit_of_work() as uow:
        rows = list(
            uow.session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.state == MessageState.PENDING,
                       OutboxMessage.next_attempt_at <= now)
                .order_by(OutboxMessage.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        if not rows:
            return report
        messages = [(row.id, row.to_address, build_message(row, sender, now)) for row in rows]
        shares = [messages[i::connections] for i in range(min(connections, len(messages)))]
        results: dict[int, tuple[str, datetime] | Exception] = {}
        if len(shares) == 1:
            results = _deliver(transport, clock, shares[0])
        else:
            with ThreadPoolExecutor(len(shares), thread_name_prefix="smtp") as pool:
                for part in pool.map(partial(_deliver, transport, clock), shares):
                    results.update(part)
        outcomes: list[NewEvent | None] = []
        for row in rows:
            result = results[row.id]
            if isinstance(result, Exception):
                _failed_try(row, result, now, max_attempts, report, outcomes)
                continue
            row.smtp_response, row.sent_at = result
            row.attempts += 1
            row.state = MessageState.SENT
            row.last_error = None
            report.sent += 1
            outcomes.append(_outcome(row, row.sent_at))
        append_events(uow.session, [event for event in outcomes if event is not None])
        uow.commit()
    return report
