from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from notify.db import Base


class EventTag(enum.StrEnum):
    """The legal steps the log records. Values are stored; never rename one."""

    # Account (R. 223-3-1 I)
    CONDITIONS_ACCEPTED = "conditions_accepted"
    ATTESTATION_ACCEPTED = "attestation_accepted"
    EMAIL_VERIFIED = "email_verified"
    ACCOUNT_OPENED = "account_opened"
    EMAIL_CHANGED = "email_changed"
    CLOSURE_REQUESTED = "closure_requested"
    CLOSURE_WITHDRAWN = "closure_withdrawn"
    CLOSURE_EFFECTIVE = "closure_effective"


class Event(Base):
    """One legal event. Rows are only ever inserted (see ``notify.evidence.log``).

    ``document`` is the canonical JSON that was hashed; ``hash`` its SHA-256; ``prev_hash``
    the hash of the previous event of the same subject, so a subject's history is a chain,
    and ``seq`` its position in that chain (unique per subject, which makes two concurrent
    appends to one subject collide instead of forking the chain).
    """

    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("subject", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int]
    tag: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime]
    document: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
