"""Purging a decision's content after the retention period (R. 223-3-1 IV, legal-rules §7).

"La durée de conservation des décisions dématérialisées sur le site" is left to an
arrêté that could not be found: it is the setting ``retention_period`` (default six
years), counted from the making available in the holder's wall time
(``notify.legal.delays.decision_retained_until``).

What is purged: the content columns (points, balance, probationary flag, offence,
restoration basis). What stays: the reference, the kind and date of the decision, the
hashes of its content and letter, the dates of making available, consultation and
notification, the appeal deadline, and every event of its chain with its timestamps
(evidence outlives the decision, ``evidence_retained_until``). The purge itself is a
``content_purged`` event naming the period applied.

Only notified decisions are purged: a decision still waiting for its notification is
never blanked, whatever its age (it would mean a job has not run, to be looked at).
Postal decisions have no making available and are not concerned (left to the print
house's archive rules).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from notify.accounts.models import Holder
from notify.db import drain
from notify.decisions.models import Decision, purge_candidates
from notify.evidence.log import format_instant, record_event
from notify.evidence.models import EventTag
from notify.legal.delays import Period, decision_retained_until

CHUNK = 500

PURGED_COLUMNS = ("points", "balance_after", "probationary", "offence_date", "offence_place",
                  "offence_description", "offence_class", "restoration_basis",
                  "addressee_name", "addressee_address")


@dataclass
class PurgeReport:
    purged: int = 0
    scanned: int = 0
    last_id: int | None = None


def _shortest(period: Period) -> timedelta:
    """A lower bound of ``period`` in any calendar and time zone, to narrow the scan."""
    return timedelta(days=period.years * 365 + period.months * 28 + period.days - 1)


def purge_expired(session: Session, *, now: datetime, retention: Period, after_id: int = 0,
                  limit: int = CHUNK) -> PurgeReport:
    """Purge the content of the decisions whose retention ended at ``now`` (flushes).

    Rows are locked ``FOR UPDATE SKIP LOCKED``; a purged decision is never taken again,
    so running it twice purges nothing twice.
    """
    report = PurgeReport()
    rows = session.execute(
        select(Decision, Holder.territory)
        .join(Holder, Holder.id == Decision.holder_id)
        .where(Decision.id > after_id, *purge_candidates(),
               Decision.made_available_at <= now - _shortest(retention))
        .order_by(Decision.id)
        .limit(limit)
        .with_for_update(of=Decision, skip_locked=True)
    ).all()
    if not rows:
        return report
    report.scanned = len(rows)
    report.last_id = rows[-1][0].id
    for decision, territory in rows:
        until = decision_retained_until(decision.made_available_at, retention, territory)
        if until > now:
            continue
        for column in PURGED_COLUMNS:
            setattr(decision, column, None)
        decision.content_purged_at = now
        record_event(session, subject=decision.subject, tag=EventTag.CONTENT_PURGED,
                     actor="system", at=now,
                     data={"retention_period": str(retention),
                           "retained_until": format_instant(until),
                           "columns": list(PURGED_COLUMNS),
                           "content_sha256": decision.content_sha256,
                           "letter_sha256": decision.letter_sha256})
        report.purged += 1
    session.flush()
    return report


def run_purge(db, clock, retention: Period, *, limit: int = CHUNK) -> PurgeReport:
    """The job: every decision past its retention, one committed transaction per chunk."""
    now = clock.now()
    reports = drain(db, lambda session, after_id: purge_expired(
        session, now=now, retention=retention, after_id=after_id, limit=limit))
    total = PurgeReport(purged=sum(r.purged for r in reports),
                        scanned=sum(r.scanned for r in reports),
                        last_id=max((r.last_id for r in reports if r.last_id), default=None))
    return total
