"""Certifying events: Merkle batches of the evidence log, one RFC 3161 token each.

R. 223-3-1 III: "La date de notification ... est certifiée par le dispositif
d'horodatage du site." Timestamping every event would cost one signature each; a
batch certifies thousands at once, and each event keeps an inclusion proof that ties
its hash to the certified root (RFC 9162 hashing).

Leaf 0 of a batch is the previous batch's root (32 zero bytes for the first), the
following leaves are the events' SHA-256 hashes in id order: batches form a chain, so
a batch cannot be dropped or replaced without breaking the next one.

An event is *certified* when its batch has a token; its certified time is the token's
genTime. When the TSA cannot be reached, batches stay pending and are retried oldest
first with backoff; a later batch is never certified before an earlier one.

Every ``evidence_heads_seconds`` (and on demand, for an export) a batch also carries a
heads snapshot (``notify.evidence.heads``) as its last leaf: the head of every subject
whose events are in this batch or an earlier one.
"""

from __future__ import annotations

import logging
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from notify.evidence.heads import Head, heads_leaf, heads_tree
from notify.evidence.log import event_hash
from notify.evidence.models import Event, EventTag, EvidenceBatch
from timestamp.client import TimestampClient, TimestampUnavailable
from timestamp.merkle import MerkleTree
from timestamp.verify import VerificationError, verify_token

log = logging.getLogger(__name__)

GENESIS_ROOT = bytes(32)
# Key of the PostgreSQL advisory lock held while a batch is closed: batches are a
# chain, so only one process may append to it at a time.
BATCH_LOCK_KEY = 0x6E6F74696679  # "notify"
FIRST_RETRY = timedelta(seconds=5)
LONGEST_RETRY = timedelta(minutes=10)


def retry_delay(attempts: int) -> timedelta:
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_RETRY)


def batch_leaves(prev_root: bytes, event_hashes: list[bytes]) -> list[bytes]:
    return [prev_root, *event_hashes]


def _chain_lock(session: Session) -> bool:
    """Take the batch chain for this transaction; False if another process has it."""
    if session.get_bind().dialect.name != "postgresql":
        return True  # SQLite lets one writer at a time; the unique seq guards the rest
    return bool(session.execute(text("SELECT pg_try_advisory_xact_lock(:k)"),
                                {"k": BATCH_LOCK_KEY}).scalar())


def close_batch(session: Session, now: datetime, max_size: int, *,
                heads: bool = False) -> EvidenceBatch | None:
    """Put up to ``max_size`` pending events (oldest first) into a new batch (flushes).

    With ``heads`` the batch also carries a heads snapshot, even with no event pending.
    """
    if not _chain_lock(session):
        return None
    pending = session.execute(
        select(Event.id, Event.hash).where(Event.batch_id.is_(None))
        .order_by(Event.id).limit(max_size)
    ).all()
    if not pending and not heads:
        return None
    last = session.execute(
        select(EvidenceBatch.seq, EvidenceBatch.root).order_by(EvidenceBatch.seq.desc()).limit(1)
    ).first()
    prev_root = bytes.fromhex(last.root) if last else GENESIS_ROOT
    leaves = batch_leaves(prev_root, [bytes.fromhex(h) for _, h in pending])
    batch = EvidenceBatch(
        seq=(last.seq + 1) if last else 1,
        prev_root=prev_root.hex(),
        root="",  # set below, once the events are in the batch
        size=0,
        closed_at=now,
        attempts=0,
        next_attempt_at=now,
    )
    session.add(batch)
    session.flush()
    # Leaf 0 is the previous root; events take leaves 1..n in id order (one executemany).
    if pending:
        session.execute(
            update(Event),
            [{"id": event_id, "batch_id": batch.id, "leaf_index": index}
             for index, (event_id, _) in enumerate(pending, start=1)],
        )
    if heads:
        check_last_heads(session)
        _, snapshot = heads_tree(heads_as_of(session, batch.id))
        batch.heads_root, batch.heads_size = snapshot.root.hex(), snapshot.size
        leaves.append(heads_leaf(batch.seq, batch.heads_root, batch.heads_size))
    tree = MerkleTree(leaves)
    batch.root, batch.size = tree.root.hex(), tree.size
    session.flush()
    return batch


def heads_as_of(session: Session, batch_id: int) -> list[Head]:
    """The head of every subject counting only its events in batches up to ``batch_id``.

    Batch ids grow with their sequence, and a subject's events enter batches in their
    order (an event is appended only after its predecessor is committed, and batches
    take pending events by id), so this is a prefix of each chain.
    """
    newest = (select(Event.subject, func.max(Event.seq).label("seq"))
              .where(Event.batch_id <= batch_id).group_by(Event.subject).subquery())
    return [Head(subject, seq, hash_) for subject, seq, hash_ in session.execute(
        select(Event.subject, Event.seq, Event.hash).join(
            newest, and_(Event.subject == newest.c.subject, Event.seq == newest.c.seq)))]


class HeadsMismatch(Exception):
    """The log no longer gives the certified heads snapshot: an event it covered was
    removed or changed. No new snapshot is made over it (that would launder it)."""


def check_last_heads(session: Session) -> EvidenceBatch | None:
    """Recompute the latest heads snapshot from the events; ``HeadsMismatch`` if its root
    differs from the one stored (and certified). Returns that batch."""
    last = session.scalar(select(EvidenceBatch).where(EvidenceBatch.heads_root.is_not(None))
                          .order_by(EvidenceBatch.seq.desc()).limit(1))
    if last is not None:
        _, tree = heads_tree(heads_as_of(session, last.id))
        if tree.root.hex() != last.heads_root:
            raise HeadsMismatch(f"le journal ne redonne plus l'état certifié par le lot "
                                f"{last.seq} : un événement a été supprimé ou modifié")
    return last


def batch_tree(session: Session, batch: EvidenceBatch) -> MerkleTree:
    """The batch's Merkle tree rebuilt from the events' rows (and its heads snapshot)."""
    hashes = session.scalars(select(Event.hash).where(Event.batch_id == batch.id)
                             .order_by(Event.leaf_index)).all()
    leaves = batch_leaves(bytes.fromhex(batch.prev_root), [bytes.fromhex(h) for h in hashes])
    if batch.heads_root is not None:
        leaves.append(heads_leaf(batch.seq, batch.heads_root, batch.heads_size))
    return MerkleTree(leaves)


def heads_due(session: Session, now: datetime, every: timedelta) -> bool:
    """Whether the periodic snapshot is due: events were batched since the last one and
    it is ``every`` old (or there is none yet)."""
    last = session.execute(
        select(EvidenceBatch.seq, EvidenceBatch.closed_at)
        .where(EvidenceBatch.heads_root.is_not(None))
        .order_by(EvidenceBatch.seq.desc()).limit(1)).first()
    if last is not None and last.closed_at + every > now:
        return False
    newer = select(Event.id).join(EvidenceBatch, Event.batch_id == EvidenceBatch.id)
    if last is not None:
        newer = newer.where(EvidenceBatch.seq > last.seq)
    return session.scalar(newer.limit(1)) is not None


_heads_refused_at: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
"""When this process last refused a snapshot, per database: a refused snapshot is tried
again only after ``heads_every`` (each try reads the whole log twice)."""


@dataclass
class CertifyReport:
    closed: int = 0
    certified: int = 0
    pending_batches: int = 0
    error: str | None = None
    heads_error: str | None = None


def certify_oldest(session: Session, client: TimestampClient, now: datetime, *,
                   now_or_never: bool = False) -> bool | None:
    """Obtain the token of the oldest uncertified batch, if it is due (any time with
    ``now_or_never``: an export asking for it, ignoring the backoff).

    Returns True when a batch was certified, False when the TSA failed (the batch
    is rescheduled), None when nothing was due.
    """
    batch = session.scalar(
        select(EvidenceBatch).where(EvidenceBatch.token.is_(None))
        .order_by(EvidenceBatch.seq).limit(1).with_for_update(skip_locked=True)
    )
    if batch is None or (batch.next_attempt_at > now and not now_or_never):
        return None
    root = bytes.fromhex(batch.root)
    try:
        token = client.timestamp(root, "sha256")
        verified = verify_token(token, digest=root, hash_name="sha256",
                                trust_anchors=client.trust_anchors)
    except (TimestampUnavailable, VerificationError) as exc:
        batch.attempts += 1
        batch.last_error = str(exc)[:2000]
        batch.next_attempt_at = now + retry_delay(batch.attempts)
        log.warning("evidence batch %s not certified (attempt %s): %s",
                    batch.seq, batch.attempts, batch.last_error)
        return False
    batch.token = verified.token
    batch.gen_time = verified.gen_time
    batch.tsa_serial = str(verified.serial)
    batch.last_error = None
    return True


def certify_pending(db, client: TimestampClient, clock, *, max_size: int,
                    max_batches: int = 100, heads_every: timedelta | None = None,
                    heads_now: bool = False, now_or_never: bool = False) -> CertifyReport:
    """The job: close batches of pending events (the last one with a heads snapshot when
    ``heads_every`` has passed, or with ``heads_now``), then certify batches oldest first.

    Each batch is committed on its own, so a crash loses at most the work in flight;
    running it twice at once is safe (advisory lock on the chain, SKIP LOCKED on the
    batch being certified). ``now_or_never`` ignores the retry backoff (an export).
    """
    report = CertifyReport()
    for _ in range(max_batches):
        with db.unit_of_work() as uow:
            batch = close_batch(uow.session, clock.now(), max_size)
            try:
                uow.commit()
            except IntegrityError:
                break  # another process closed the same batch first (SQLite); it is its
        if batch is None:
            break
        report.closed += 1
    refused_at = _heads_refused_at.get(db)
    if heads_now or (heads_every is not None and (
            refused_at is None or refused_at + heads_every <= clock.now())):
        with db.unit_of_work() as uow:
            try:
                if heads_now or heads_due(uow.session, clock.now(), heads_every):
                    batch = close_batch(uow.session, clock.now(), max_size, heads=True)
                    uow.commit()
                    report.closed += batch is not None
            except IntegrityError:
                pass  # another process took the chain at the same moment
            except HeadsMismatch as exc:  # rolled back; the events are still certified
                report.heads_error = str(exc)
                if not heads_now:
                    _heads_refused_at[db] = clock.now()
                log.error("evidence heads snapshot refused: %s", exc)
    for _ in range(max_batches):
        with db.unit_of_work() as uow:
            outcome = certify_oldest(uow.session, client, clock.now(),
                                     now_or_never=now_or_never)
            if outcome is False:
                report.error = uow.session.scalar(
                    select(EvidenceBatch.last_error).where(EvidenceBatch.token.is_(None))
                    .order_by(EvidenceBatch.seq).limit(1))
            uow.commit()
        if not outcome:
            break
        report.certified += 1
    with db.unit_of_work() as uow:
        report.pending_batches = uow.session.scalar(
            select(func.count()).select_from(EvidenceBatch).where(EvidenceBatch.token.is_(None)))
    return report


@dataclass(frozen=True)
class EvidenceStatus:
    pending_events: int
    pending_batches: int
    oldest_pending_at: datetime | None
    last_error: str | None
    next_attempt_at: datetime | None


def evidence_status(session: Session) -> EvidenceStatus:
    """What ``notify evidence status`` shows: what is not certified yet, and why."""
    oldest_event = session.scalar(select(func.min(Event.occurred_at)).where(
        Event.batch_id.is_(None)))
    oldest_batch = session.scalar(
        select(EvidenceBatch).where(EvidenceBatch.token.is_(None)).order_by(EvidenceBatch.seq)
        .limit(1))
    oldest_uncertified = session.scalar(
        select(func.min(Event.occurred_at)).join(EvidenceBatch, Event.batch_id == EvidenceBatch.id)
        .where(EvidenceBatch.token.is_(None)))
    candidates = [t for t in (oldest_event, oldest_uncertified) if t is not None]
    return EvidenceStatus(
        pending_events=session.scalar(
            select(func.count()).select_from(Event).outerjoin(
                EvidenceBatch, Event.batch_id == EvidenceBatch.id)
            .where(EvidenceBatch.token.is_(None))),
        pending_batches=session.scalar(select(func.count()).select_from(EvidenceBatch).where(
            EvidenceBatch.token.is_(None))),
        oldest_pending_at=min(candidates) if candidates else None,
        last_error=oldest_batch.last_error if oldest_batch else None,
        next_attempt_at=oldest_batch.next_attempt_at if oldest_batch else None,
    )


def inclusion_proof(session: Session, event: Event) -> list[bytes]:
    """The RFC 9162 audit path of ``event`` in its batch (raises if not batched yet)."""
    if event.batch_id is None:
        raise ValueError(f"event {event.id} is not in a batch yet")
    return batch_tree(session, session.get(EvidenceBatch, event.batch_id)).proof(
        event.leaf_index)


PURGEABLE_TAGS = frozenset({EventTag.STAFF_ACCESS.value})
"""Tags whose document may be blanked (``""``) at the end of a retention period, the
event row and its hash staying: the staff access log (``notify.backoffice.journal``)."""


def _purged_access(tag: str, document: str) -> bool:
    return document == "" and tag in PURGEABLE_TAGS


def check_log(session: Session) -> list[str]:
    """The log against itself, batch by batch: each event's document still hashes to its
    hash (or was blanked by a purge, for the tags of ``PURGEABLE_TAGS`` only), each
    subject's chain is unbroken, each batch's tree (rebuilt from its events' rows) gives
    its certified root and follows the previous one, and the latest heads snapshot is
    still what the events give. Returns the problems found, in French."""
    problems = []
    previous_root = GENESIS_ROOT.hex()
    for batch in session.scalars(select(EvidenceBatch).order_by(EvidenceBatch.seq)):
        if batch.prev_root != previous_root:
            problems.append(f"lot {batch.seq} : ne suit pas le lot précédent")
        previous_root = batch.root
        rows = session.execute(select(Event.id, Event.tag, Event.document, Event.hash)
                               .where(Event.batch_id == batch.id)
                               .order_by(Event.leaf_index)).all()
        problems += [f"événement {row.id} : son document ne donne plus son empreinte"
                     for row in rows if event_hash(row.document.encode("utf-8")) != row.hash
                     and not _purged_access(row.tag, row.document)]
        if batch_tree(session, batch).root.hex() != batch.root:
            problems.append(f"lot {batch.seq} : ses événements ne redonnent plus sa racine "
                            "(événement supprimé, ajouté ou modifié)")
    before = aliased(Event)
    for subject, seq in session.execute(
            select(Event.subject, Event.seq).outerjoin(
                before, and_(before.subject == Event.subject, before.seq == Event.seq - 1))
            .where(or_(and_(Event.seq > 1, or_(before.id.is_(None),
                                               before.hash != Event.prev_hash)),
                       and_(Event.seq == 1, Event.prev_hash.is_not(None))))
            .order_by(Event.subject, Event.seq)):
        problems.append(f"{subject} : l'événement {seq} ne suit pas le précédent")
    try:
        check_last_heads(session)
    except HeadsMismatch as exc:
        problems.append(str(exc))
    return problems
