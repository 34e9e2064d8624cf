from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from notify.db import Base


class MessageState(enum.StrEnum):
    PENDING = "pending"   # waiting for its first try, or for a retry after a temporary failure
    SENT = "sent"         # the SMTP server accepted it
    FAILED = "failed"     # permanent refusal, or too many temporary failures


class OutboxMessage(Base):
    """An e-mail to send. ``subject_ref`` ties it to an evidence subject, when it has one.

    ``next_attempt_at`` is when a sender may take it; senders lock rows with
    ``FOR UPDATE SKIP LOCKED`` on PostgreSQL so two of them never send one message twice.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_state_next_attempt_at", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject_ref: Mapped[str | None] = mapped_column(String(64))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default=MessageState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    smtp_response: Mapped[str | None] = mapped_column(Text)
    last_error: Mapped[str | None] = mapped_column(Text)
