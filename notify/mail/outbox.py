"""Queueing e-mails: a row in the outbox, in the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import render_template
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
    **context: Any,
) -> OutboxMessage:
    """Render ``templates/mail/<template>.txt`` and ``.html`` and queue the message.

    The subject line must not carry personal data (it is shown in notifications and
    logs of every mail system on the way); keep it generic.
    """
    message = OutboxMessage(
        kind=kind,
        subject_ref=subject_ref,
        to_address=to,
        subject=subject,
        body_text=render_template(f"mail/{template}.txt", **context),
        body_html=render_template(f"mail/{template}.html", **context),
        state=MessageState.PENDING,
        attempts=0,
        created_at=now,
        next_attempt_at=now,
    )
    session.add(message)
    session.flush()
    return message
