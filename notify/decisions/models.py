from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, LargeBinary, String, Text, literal, text
from sqlalchemy.orm import Mapped, mapped_column

from notify.db import Base


class DecisionState(enum.StrEnum):
    """Where a deposited decision stands. Values are stored and shown to the depositor.

    Online: ``pending_certification`` until the deposit event is certified by a
    timestamp token, then ``available`` (made available, R. 223-3-1 III), then
    ``notified`` (first consultation or end of the fifteen-day delay).
    Postal: ``awaiting_print`` until a postal export takes it, then ``exported``.
    """

    PENDING_CERTIFICATION = "pending_certification"
    AVAILABLE = "available"
    NOTIFIED = "notified"
    AWAITING_PRINT = "awaiting_print"
    EXPORTED = "exported"


DEEMED_CANDIDATES = ("state = 'available' AND channel = 'online' "
                     "AND first_consulted_at IS NULL AND notified_at IS NULL")
"""Online decisions made available, neither consulted nor notified."""
PURGE_CANDIDATES = "state = 'notified' AND channel = 'online' AND content_purged_at IS NULL"
"""Online decisions notified whose content is still kept."""


def _inline(value: str):
    """A constant written into the SQL rather than bound, so that the planner can match
    a partial index's predicate (a bound parameter may be planned generically)."""
    return literal(value, String, literal_execute=True)


def deemed_candidates() -> tuple:
    """``DEEMED_CANDIDATES`` as the jobs' WHERE clauses (matching the partial index)."""
    return (Decision.state == _inline(DecisionState.AVAILABLE.value),
            Decision.channel == _inline("online"),
            Decision.first_consulted_at.is_(None), Decision.notified_at.is_(None))


def purge_candidates() -> tuple:
    """``PURGE_CANDIDATES`` as the jobs' WHERE clauses (matching the partial index)."""
    return (Decision.state == _inline(DecisionState.NOTIFIED.value),
            Decision.channel == _inline("online"), Decision.content_purged_at.is_(None))


class Decision(Base):
    """A decision withdrawing or restoring points, as deposited by the administration.

    ``reference`` is the administration's own identifier; the decision's subject in the
    evidence log is ``decision:<reference>``. ``content_sha256`` is the SHA-256 of the
    canonical JSON of the deposited content (``notify.decisions.content``): the same
    reference sent again with the same hash is a duplicate, with another hash a conflict.

    The content columns (points, balances, offence, restoration basis) are nullable so
    that the retention purge can blank them (``content_purged_at``) while the hashes and
    the notification facts stay. ``kind``, ``decided_on`` and the hashes are kept.

``organisation_id`` is the partner organisation that deposited it: its API clients,
and only they, may read its status.
    """

    __tablename__ = "decisions"
    __table_args__ = (
        Index("ix_decisions_holder_id_decided_on", "holder_id", "decided_on"),
        Index("ix_decisions_state_channel", "state", "channel"),
        # Staff search (notify.backoffice.search): results come newest first by decision
        # date (or by making available when that range is asked), id breaking ties, one
        # page after another (keyset); each filter alone reads only its page.
        Index("ix_decisions_decided_on_id", "decided_on", "id"),
        Index("ix_decisions_made_available_at_id", "made_available_at", "id"),
        Index("ix_decisions_state_decided_on_id", "state", "decided_on", "id"),
        Index("ix_decisions_channel_decided_on_id", "channel", "decided_on", "id"),
        # The candidates of the deemed-notification and purge jobs, by the instant of
        # the making available their delays run from: each job reads the few due rows,
        # never the millions of others. The jobs' WHERE repeats these predicates with
        # the values inlined, so that PostgreSQL and SQLite can prove the index applies.
        Index("ix_decisions_deemed_candidates", "made_available_at",
              postgresql_where=text(DEEMED_CANDIDATES), sqlite_where=text(DEEMED_CANDIDATES)),
        Index("ix_decisions_purge_candidates", "made_available_at",
              postgresql_where=text(PURGE_CANDIDATES), sqlite_where=text(PURGE_CANDIDATES)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(50), unique=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("holders.id"))
    kind: Mapped[str] = mapped_column(String(16))
    decided_on: Mapped[date] = mapped_column(Date)

    # Content (purgeable)
    points: Mapped[int | None]
    balance_after: Mapped[int | None]
    probationary: Mapped[bool | None]
    offence_date: Mapped[date | None] = mapped_column(Date)
    offence_place: Mapped[str | None] = mapped_column(String(200))
    offence_description: Mapped[str | None] = mapped_column(Text)
    offence_class: Mapped[str | None] = mapped_column(String(8))
    restoration_basis: Mapped[str | None] = mapped_column(String(16))
    content_sha256: Mapped[str] = mapped_column(String(64))

    # Deposit and routing (R. 223-3 III, R. 223-3-1 I, R. 223-4 I)
    channel: Mapped[str] = mapped_column(String(24))
    routing_reason: Mapped[str] = mapped_column(Text)
    routing_policy: Mapped[str] = mapped_column(String(64))
    deposited_at: Mapped[datetime]
    deposited_by: Mapped[str] = mapped_column(String(48))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    deposit_event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), unique=True)
    letter_sha256: Mapped[str] = mapped_column(String(64))
    letter_version: Mapped[str] = mapped_column(String(32),
                                                server_default="lettre-decision/1")
    """The letter's version (``notify.decisions.letters``): it is re-rendered in it."""
    # The addressee as the letter names him (version 2 on), kept so that the letter
    # re-renders byte for byte after the register changes the holder's name or address.
    addressee_name: Mapped[str | None] = mapped_column(String(401))
    addressee_address: Mapped[str | None] = mapped_column(Text)
    addressee_territory: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(24))

    # Making available and notification (R. 223-3-1 III)
    made_available_at: Mapped[datetime | None]
    first_consulted_at: Mapped[datetime | None]
    notified_at: Mapped[datetime | None]
    notified_on: Mapped[date | None] = mapped_column(Date)
    notification_basis: Mapped[str | None] = mapped_column(String(16))
    notification_policy: Mapped[str | None] = mapped_column(String(64))
    appeal_deadline: Mapped[date | None] = mapped_column(Date)

    # Postal channels
    postal_batch_id: Mapped[int | None] = mapped_column(ForeignKey("postal_batches.id"),
                                                        index=True)
    exported_at: Mapped[datetime | None]

    content_purged_at: Mapped[datetime | None]

    @property
    def subject(self) -> str:
        """This decision's subject in the evidence log."""
        return subject_of(self.reference)


def subject_of(reference: str) -> str:
    return f"decision:{reference}"


class PostalBatch(Base):
    """One export of postal decisions for the print house, numbered 1, 2, 3…

    ``manifest`` is the CSV as it was handed over (names and addresses as the register
    had them then) and ``archive_sha256`` the digest of the zip, so that a re-export
    gives back the very same file.
    """

    __tablename__ = "postal_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    channel: Mapped[str] = mapped_column(String(24))
    created_at: Mapped[datetime]
    count: Mapped[int]
    manifest: Mapped[bytes] = mapped_column(LargeBinary)
    archive_sha256: Mapped[str] = mapped_column(String(64))
