from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, text
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
    FRANCECONNECT_LINKED = "franceconnect_linked"
    FRANCECONNECT_UNLINKED = "franceconnect_unlinked"
    # Decisions (R. 223-3-1 II and III)
    DEPOSITED = "deposited"
    MADE_AVAILABLE = "made_available"
    ALERT_SENT = "alert_sent"
    ALERT_FAILED = "alert_failed"
    REMINDER_QUEUED = "reminder_queued"
    REMINDER_SENT = "reminder_sent"
    REMINDER_FAILED = "reminder_failed"
    FIRST_CONSULTATION = "first_consultation"
    CONSULTED = "consulted"
    DEEMED_NOTIFIED = "deemed_notified"
    CONTENT_PURGED = "content_purged"
    EXPORTED_FOR_PRINT = "exported_for_print"
    # Staff members (notify.auth): who may read what, and when they signed in
    STAFF_CREATED = "staff_created"
    STAFF_ENROLLED = "staff_enrolled"
    STAFF_LOGGED_IN = "staff_logged_in"
    STAFF_LOGIN_REFUSED = "staff_login_refused"
    STAFF_RECOVERY_CODE_USED = "staff_recovery_code_used"
    STAFF_LOGGED_OUT = "staff_logged_out"
    STAFF_REAUTHENTICATED = "staff_reauthenticated"
    STAFF_DISABLED = "staff_disabled"
    # Staff reads of a holder's or an owner's data (subject access:<member>:<YYYY-MM>)
    STAFF_ACCESS = "staff_access"
    # Their documents blanked at the end of the access log's retention (subject access-log)
    ACCESS_LOG_PURGED = "access_log_purged"
    # Vehicle registration files (subject registration:<number>) and their providers
    REGISTRATION_FILED = "registration_filed"
    REGISTRATION_ASSIGNED = "registration_assigned"
    REGISTRATION_TRANSITION = "registration_transition"
    PROVIDER_STATUS_CHANGED = "provider_status_changed"


class Event(Base):
    """One legal event. Rows are only ever inserted (see ``notify.evidence.log``).

    ``document`` is the canonical JSON that was hashed; ``hash`` its SHA-256; ``prev_hash``
    the hash of the previous event of the same subject, so a subject's history is a chain,
    and ``seq`` its position in that chain (unique per subject, which makes two concurrent
    appends to one subject collide instead of forking the chain).
    """

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("subject", "seq"),
        Index("ix_events_pending", "batch_id", "id"),
        # The certification job's "events not in a batch yet, oldest first": a few rows
        # among millions, found without reading the others.
        Index("ix_events_unbatched", "id", postgresql_where=text("batch_id IS NULL"),
              sqlite_where=text("batch_id IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int]
    tag: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime]
    document: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_batches.id"))
    leaf_index: Mapped[int | None]


class EvidenceBatch(Base):
    """A Merkle tree over a run of events, certified by one RFC 3161 token.

    Leaf 0 is the previous batch's root (the genesis batch uses 32 zero bytes), then
    the events' hashes in id order, so batches form a chain. ``token`` is the DER
    TimeStampToken over ``root``; while it is missing the batch is pending and the
    certifying job retries it, oldest first, with backoff.

    A batch may also carry a heads snapshot (``heads_root``): its last leaf is then the
    SHA-256 of the snapshot document (``notify.evidence.heads``), which commits to the
    head (event count and last hash) of every subject with events in this batch or an
    earlier one. It is what proves that a subject had no other event at that time.
    """

    __tablename__ = "evidence_batches"
    __table_args__ = (
        # The oldest uncertified batch, at every tick of the certification job.
        Index("ix_evidence_batches_uncertified", "seq", postgresql_where=text("token IS NULL"),
              sqlite_where=text("token IS NULL")),
        # The latest heads snapshot, at every tick (``heads_due``): one batch an hour.
        Index("ix_evidence_batches_heads", "seq", postgresql_where=text("heads_root IS NOT NULL"),
              sqlite_where=text("heads_root IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    prev_root: Mapped[str] = mapped_column(String(64))
    root: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    closed_at: Mapped[datetime]
    token: Mapped[bytes | None] = mapped_column(LargeBinary)
    gen_time: Mapped[datetime | None]
    tsa_serial: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    heads_root: Mapped[str | None] = mapped_column(String(64))
    heads_size: Mapped[int | None]
