"""Reading the access log (the admins' journal, the holder's "who looked at my file") and
purging it at the end of its retention period.

The purge deletes the ``StaffAccess`` rows and blanks the ``document`` of their
``staff_access`` events, but keeps the event rows and their hashes: a batch's Merkle tree
is rebuilt from its events' hashes, and other subjects' proofs rest on that tree. Each
document carries a random nonce (``record_access``), so a kept hash reveals nothing of
the purged text. ``notify.evidence.batches.check_log`` accepts a blank document for that
tag only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select, tuple_, update
from sqlalchemy.orm import Session

from notify.accounts.models import Holder
from notify.auth.models import StaffMember
from notify.backoffice.access import AccessAction, holder_file
from notify.backoffice.models import StaffAccess
from notify.backoffice.search import day_start
from notify.evidence.log import format_instant, record_event
from notify.evidence.models import Event, EventTag, EvidenceBatch
from notify.legal.delays import Period, access_log_cutoff

PAGE_SIZE = 50
HOLDER_PAGE_MAX = 500
PURGE_SUBJECT = "access-log"
PURGED_DOCUMENT = ""


@dataclass(frozen=True)
class JournalFilter:
    member: str | None = None  # an e-mail address or a member's reference
    file: str | None = None  # holder:<id>, registration:<number>, or a licence number
    action: AccessAction | None = None
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True)
class Entry:
    id: int
    at: datetime
    action: str
    file: str
    reference: str | None
    reason: str | None
    member_email: str
    member_reference: str
    member_role: str
    event_subject: str
    event_seq: int
    event_hash: str
    batch_seq: int | None  # None until the event is certified


@dataclass(frozen=True)
class JournalPage:
    entries: list[Entry]
    next_before: str | None


def _file_of(session: Session, text: str) -> str:
    """``holder:…`` and ``registration:…`` as typed; anything else is read as a licence
    number (no such holder: a file that matches nothing)."""
    if text.startswith(("holder:", "registration:")):
        return text
    holder_id = session.scalar(select(Holder.id).where(Holder.licence_number == text.upper()))
    return holder_file(holder_id) if holder_id is not None else f"holder:?{text}"


def _entries_query():
    return (select(StaffAccess.id, StaffAccess.at, StaffAccess.action, StaffAccess.file,
                   StaffAccess.reference, StaffAccess.reason, StaffMember.email,
                   StaffMember.reference, StaffMember.role, Event.subject, Event.seq,
                   Event.hash, EvidenceBatch.seq)
            .join(StaffMember, StaffMember.id == StaffAccess.staff_member_id)
            .join(Event, Event.id == StaffAccess.event_id)
            .outerjoin(EvidenceBatch, EvidenceBatch.id == Event.batch_id))


def journal(session: Session, filters: JournalFilter, *, before: str | None = None) -> JournalPage:
    """One page of the access log, newest first, after the cursor ``before``."""
    query = _entries_query()
    if filters.member:
        query = query.where((StaffMember.email == filters.member.lower())
                            | (StaffMember.reference == filters.member.upper()))
    if filters.file:
        query = query.where(StaffAccess.file == _file_of(session, filters.file))
    if filters.action:
        query = query.where(StaffAccess.action == str(filters.action))
    if filters.date_from:
        query = query.where(StaffAccess.at >= day_start(filters.date_from))
    if filters.date_to:
        query = query.where(StaffAccess.at < day_start(filters.date_to + timedelta(days=1)))
    if before:
        at, _, row_id = before.partition("~")
        try:
            query = query.where(tuple_(StaffAccess.at, StaffAccess.id)
                                < tuple_(datetime.fromisoformat(at), int(row_id)))
        except ValueError:
            pass  # a cursor that does not parse: the first page
    rows = session.execute(query.order_by(StaffAccess.at.desc(), StaffAccess.id.desc())
                           .limit(PAGE_SIZE + 1)).all()
    entries = [Entry(*row) for row in rows[:PAGE_SIZE]]
    more = len(rows) > PAGE_SIZE
    return JournalPage(entries, f"{entries[-1].at.isoformat()}~{entries[-1].id}" if more
                       else None)


def accesses_of_holder(session: Session, holder_id: int) -> list[Entry]:
    """What staff read of this holder's file, newest first (the latest
    ``HOLDER_PAGE_MAX``), for his own page."""
    rows = session.execute(_entries_query().where(StaffAccess.file == holder_file(holder_id))
                           .order_by(StaffAccess.at.desc(), StaffAccess.id.desc())
                           .limit(HOLDER_PAGE_MAX)).all()
    return [Entry(*row) for row in rows]


@dataclass(frozen=True)
class PurgeReport:
    cutoff: datetime
    rows: int
    events: int


def purge_access_log(session: Session, *, now: datetime, retention: Period) -> PurgeReport:
    """Forget the accesses recorded before ``now`` minus ``retention`` (flushes): their
    index rows are deleted and their events' documents blanked; the purge itself is an
    event (subject ``access-log``) when it removed anything. Safe to run twice: a second
    run finds nothing left."""
    cutoff = access_log_cutoff(now, retention)
    expired = select(StaffAccess.event_id).where(StaffAccess.at < cutoff)
    events = session.execute(
        update(Event).where(Event.id.in_(expired), Event.tag == EventTag.STAFF_ACCESS.value,
                            Event.document != PURGED_DOCUMENT)
        .values(document=PURGED_DOCUMENT).execution_options(synchronize_session=False)
    ).rowcount
    rows = session.execute(delete(StaffAccess).where(StaffAccess.at < cutoff)
                           .execution_options(synchronize_session=False)).rowcount
    if rows or events:
        record_event(session, subject=PURGE_SUBJECT, tag=EventTag.ACCESS_LOG_PURGED,
                     actor="system", at=now,
                     data={"cutoff": format_instant(cutoff), "retention": str(retention),
                           "rows": rows, "events": events})
    session.flush()
    return PurgeReport(cutoff, rows, events)
