from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from notify.db import Base
from notify.mail.templates import render_bodies


class MessageState(enum.StrEnum):
    PENDING = "pending"   # waiting for its first try, or for a retry after a temporary failure
    SENT = "sent"         # the SMTP server accepted it
    FAILED = "failed"     # permanent refusal, or too many temporary failures


class OutboxMessage(Base):
    """An e-mail to send: a template and its arguments, rendered when it is sent.

    ``arguments`` may carry a secret (a verification or reset link): they are wiped in
    the transaction that records the server's acceptance, so that once a message has
    left nothing in the database can be used to follow its link. What stays is the
    evidence of sending: ``message_id``, ``sent_sha256`` (of the bytes accepted) and
    ``smtp_response``; the purge job deletes finished rows after ``NOTIFY_OUTBOX_RETENTION``.

    ``next_attempt_at`` is when a sender may take it. A sender claims the rows it takes
    by moving it forward by a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), so two
    senders never send one message twice, and a crashed sender's rows come back later.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_state_next_attempt_at", "state", "next_attempt_at"),
                      Index("ix_outbox_state_created_at", "state", "created_at"),
                      # the last message of a subject (the API's read of a decision)
                      Index("ix_outbox_subject_ref_id", "subject_ref", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject_ref: Mapped[str | None] = mapped_column(String(64))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    template: Mapped[str] = mapped_column(String(64))
    arguments: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), default=MessageState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    message_id: Mapped[str | None] = mapped_column(String(255))
    sent_sha256: Mapped[str | None] = mapped_column(String(64))
    smtp_response: Mapped[str | None] = mapped_column(Text)
    last_error: Mapped[str | None] = mapped_column(Text)

    def bodies(self) -> tuple[str, str]:
        """The text and HTML bodies, rendered from the template and the arguments (which
        are gone once the message is sent)."""
        return render_bodies(self.template, self.arguments or {})
