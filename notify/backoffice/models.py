from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from notify.db import Base


class StaffAccess(Base):
    """One file read by a staff member: the index of the access log.

    The access itself is a ``staff_access`` event of the evidence log (certified, like
    every legal fact); these rows only let the journal and the holder's "who looked at my
    file" page find it by file, member or date without reading the log's documents.
    ``event_id`` points at that event. ``file`` names whose data was read:
    ``holder:<holder id>`` or ``registration:<file number>``; ``reference`` the decision
    read, if one was. Rows and the events' documents go together at the end of the
    retention period (``notify.backoffice.access``).
    """

    __tablename__ = "staff_accesses"
    __table_args__ = (
        Index("ix_staff_accesses_file_at", "file", "at"),
        Index("ix_staff_accesses_staff_member_id_at", "staff_member_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    staff_member_id: Mapped[int] = mapped_column(ForeignKey("staff_members.id"))
    action: Mapped[str] = mapped_column(String(32))
    file: Mapped[str] = mapped_column(String(64))
    reference: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
