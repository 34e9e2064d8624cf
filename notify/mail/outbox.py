"""Queueing e-mails: a row in the outbox, in the caller's transaction.

Only the template's name and its arguments are stored: the message is rendered when
it is sent (``notify.mail.templates``), so queueing needs no Flask context.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from notify.mail.models import MessageState, OutboxMessage


def enqueue(
    session: Session,
    *,
    kind: str,
    to: str,
    subject: str,
    template: str,
    now: datetime,
    subject_ref: str | None = None,
    flush: bool = True,
    **arguments: Any,
) -> OutboxMessage:
    """Queue ``templates/mail/<template>.txt`` and ``.html`` with ``arguments`` (JSON values).

    The subject line must not carry personal data (it is shown in notifications and
    logs of every mail system on the way); keep it generic. Arguments may hold a secret
    link: they are wiped once the message is sent. ``flush=False`` leaves the row to
    the session's next flush, so that a bulk operation inserts its messages together.
    """
    message = OutboxMessage(**_pending(kind, subject_ref, to, subject, template, arguments, now))
    session.add(message)
    if flush:
        session.flush()
    return message


def enqueue_many(session: Session, *, kind: str, subject: str, template: str, now: datetime,
                 messages: Iterable[tuple[str, str | None, dict[str, Any]]]) -> None:
    """``enqueue`` of one kind of message to many recipients, in one ``INSERT`` without
    an ORM object per row: ``messages`` gives each one's address, ``subject_ref`` and
    arguments, in the order their rows take."""
    rows = [_pending(kind, subject_ref, to, subject, template, arguments, now)
            for to, subject_ref, arguments in messages]
    if rows:
        session.execute(insert(OutboxMessage.__table__), rows)


def _pending(kind: str, subject_ref: str | None, to: str, subject: str, template: str,
             arguments: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The columns of a message queued at ``now``, to be sent at once."""
    return {"kind": kind, "subject_ref": subject_ref, "to_address": to, "subject": subject,
            "template": template, "arguments": arguments, "state": MessageState.PENDING,
            "attempts": 0, "created_at": now, "next_attempt_at": now}
