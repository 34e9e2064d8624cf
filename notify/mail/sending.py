"""The outbox sender: the job that takes due messages and hands them to SMTP."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from sqlalchemy import select
from sqlalchemy.orm import object_session

from notify.clock import Clock
from notify.db import Database
from notify.evidence.log import record_event
from notify.evidence.models import EventTag
from notify.mail.models import MessageState, OutboxMessage
from notify.mail.smtp import MailTransport, PermanentMailError, TemporaryMailError

log = logging.getLogger(__name__)

# Messages whose fate is legal evidence (R. 223-3-1 II: the alert of a deposit):
# the SMTP server's acceptance, or the final failure, is an event of their subject.
EVIDENCED_KINDS = {"decision_alert"}

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


def build_message(row: OutboxMessage, sender: str, at: datetime) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = row.to_address
    message["Subject"] = row.subject
    message["Date"] = format_datetime(at)
    message["Message-ID"] = make_msgid(idstring=f"outbox-{row.id}", domain="notify.local")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(row.body_text)
    message.add_alternative(row.body_html, subtype="html")
    return message


def _record_outcome(row: OutboxMessage, at: datetime) -> None:
    if row.kind not in EVIDENCED_KINDS or not row.subject_ref:
        return
    sent = row.state == MessageState.SENT
    record_event(
        object_session(row),
        subject=row.subject_ref,
        tag=EventTag.ALERT_SENT if sent else EventTag.ALERT_FAILED,
        actor="system",
        at=at,
        data={"outbox_id": row.id, "attempts": row.attempts,
              "smtp_response": row.smtp_response if sent else None,
              "error": None if sent else row.last_error},
    )


def _failed_try(row: OutboxMessage, error: Exception, now: datetime, max_attempts: int,
                report: SendReport) -> None:
    row.attempts += 1
    row.last_error = str(error)[:2000]
    if isinstance(error, PermanentMailError) or row.attempts >= max_attempts:
        row.state = MessageState.FAILED
        report.failed += 1
        _record_outcome(row, now)
        log.error("outbox message %s failed for good after %s attempt(s): %s",
                  row.id, row.attempts, row.last_error)
    else:
        row.next_attempt_at = now + retry_delay(row.attempts)
        report.retried += 1
        log.warning("outbox message %s will be retried at %s: %s",
                    row.id, row.next_attempt_at.isoformat(), row.last_error)


def send_due(
    db: Database,
    transport: MailTransport,
    clock: Clock,
    *,
    sender: str,
    max_attempts: int,
    limit: int = 500,
) -> SendReport:
    """Send the messages due now, at most ``limit``, in one SMTP session.

    Rows are locked ``FOR UPDATE SKIP LOCKED`` (PostgreSQL), so two senders never take
    the same message; SQLite serialises writers by itself. A crash between the SMTP
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
        try:
            with transport.connect() as connection:
                for row in rows:
                    try:
                        answer = connection.send(build_message(row, sender, now))
                    except (TemporaryMailError, PermanentMailError) as exc:
                        _failed_try(row, exc, now, max_attempts, report)
                        continue
                    row.attempts += 1
                    row.state = MessageState.SENT
                    row.sent_at = clock.now()
                    row.smtp_response = answer
                    row.last_error = None
                    report.sent += 1
                    _record_outcome(row, row.sent_at)
        except (TemporaryMailError, PermanentMailError) as exc:
            for row in rows:
                if row.state == MessageState.PENDING:
                    _failed_try(row, exc, now, max_attempts, report)
        uow.commit()
    return report
