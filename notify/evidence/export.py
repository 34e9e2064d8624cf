"""Gathering a subject's evidence from the database into a bundle (see ``bundle``).

``prepare_export`` makes an export possible at any time: it certifies what is pending
now (ignoring the retry backoff) and, when needed, takes a heads snapshot on demand;
``export_subject`` then reads everything in one session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from notify.errors import InvalidInput, NotFound
from notify.evidence.batches import (
    HeadsMismatch,
    batch_tree,
    certify_pending,
    check_last_heads,
    heads_as_of,
)
from notify.evidence.bundle import BundleBatch, BundleEvent, BundleHeads, build_bundle
from notify.evidence.heads import heads_tree
from notify.evidence.models import Event, EvidenceBatch
from timestamp.client import TimestampClient
from timestamp.merkle import MerkleTree
from timestamp.verify import verify_token

VERIFY_HINT = "notify evidence verify paquet.zip --trust racine.pem"


@dataclass(frozen=True)
class Preparation:
    """What ``prepare_export`` did: batches certified now, whether a snapshot was taken,
    and, if the log contradicts its last certified snapshot, why none was."""

    certified: int
    snapshot_taken: bool
    refused: str | None = None
    tsa_error: str | None = None


def _current_head(session: Session, subject: str) -> tuple[int, str] | None:
    row = session.execute(select(Event.seq, Event.hash).where(Event.subject == subject)
                          .order_by(Event.seq.desc()).limit(1)).first()
    return (row.seq, row.hash) if row else None


def _snapshot_needed(session: Session, subject: str, not_before: datetime | None
                     ) -> tuple[bool, str | None]:
    """A new snapshot is needed when none covers the subject's current head, or the last
    one is certified before ``not_before`` — unless the log contradicts the last one: a
    new snapshot would then certify the tampered state, so none is taken."""
    try:
        last = check_last_heads(session)
    except HeadsMismatch as exc:
        return False, str(exc)
    if last is None or last.token is None:
        return True, None
    if not_before is not None and last.gen_time < not_before:
        return True, None
    head = session.execute(
        select(Event.seq, Event.hash).where(Event.subject == subject,
                                            Event.batch_id <= last.id)
        .order_by(Event.seq.desc()).limit(1)).first()
    return (tuple(head) if head else None) != _current_head(session, subject), None


def prepare_export(db, client: TimestampClient, clock, subject: str, *, max_size: int,
                   not_before: datetime | None = None) -> Preparation:
    """Certify now what is pending, and take a heads snapshot if the export needs one
    (certified at once): each step commits on its own, as the job does."""
    report = certify_pending(db, client, clock, max_size=max_size, now_or_never=True)
    certified, error = report.certified, report.error
    with db.unit_of_work() as uow:
        needed, refused = _snapshot_needed(uow.session, subject, not_before)
    if needed and error is None:
        report = certify_pending(db, client, clock, max_size=max_size, heads_now=True,
                                 now_or_never=True)
        certified, error = certified + report.certified, report.error
        refused = report.heads_error
    return Preparation(certified, needed and refused is None and error is None, refused,
                       error)


def export_subject(session: Session, subject: str, client: TimestampClient,
                   chain_pem: bytes, *, territory: str | None = None,
                   attachments: list[tuple[str, bytes]] = ()) -> bytes:
    """The bundle of ``subject`` (``account:<ref>`` or ``decision:<ref>``).

    Refused while one of its events is not certified yet, or while no certified heads
    snapshot exists (``prepare_export`` first). The snapshot used is the latest one
    certified: if the log contradicts it, the bundle says so when verified.
    """
    events = list(session.scalars(select(Event).where(Event.subject == subject)
                                  .order_by(Event.seq)))
    if not events:
        raise NotFound(f"aucun événement pour {subject}")
    snapshot = session.scalar(
        select(EvidenceBatch).where(EvidenceBatch.heads_root.is_not(None),
                                    EvidenceBatch.token.is_not(None))
        .order_by(EvidenceBatch.seq.desc()).limit(1))
    batch_ids = {e.batch_id for e in events}
    if snapshot is not None:
        batch_ids.add(snapshot.id)
    batches = {b.id: b for b in session.scalars(
        select(EvidenceBatch).where(EvidenceBatch.id.in_(
            [i for i in batch_ids if i is not None])))}
    if None in batch_ids or any(b.token is None for b in batches.values()):
        raise InvalidInput(f"{subject} a des événements pas encore certifiés : réessayez "
                           "après le prochain passage de la tâche certify_evidence")
    if snapshot is None:
        raise InvalidInput("aucun état du journal n'est encore certifié : réessayez après "
                           "le prochain passage de la tâche certify_evidence")
    trees: dict[int, MerkleTree] = {}
    bundle_batches = []
    for batch in sorted(batches.values(), key=lambda b: b.seq):
        tree = trees[batch.id] = batch_tree(session, batch)
        verified = verify_token(batch.token, digest=bytes.fromhex(batch.root),
                                hash_name="sha256", trust_anchors=client.trust_anchors)
        bundle_batches.append(BundleBatch(
            seq=batch.seq, prev_root=batch.prev_root, root=batch.root, size=batch.size,
            gen_time=verified.gen_time.isoformat(), token=batch.token,
            prev_root_proof=_proof(tree, 0)))
    bundle_events = [
        BundleEvent(seq=e.seq, document=e.document.encode("utf-8"), hash=e.hash,
                    batch_seq=batches[e.batch_id].seq, leaf_index=e.leaf_index,
                    proof=_proof(trees[e.batch_id], e.leaf_index))
        for e in events
    ]
    return build_bundle(subject, bundle_events, bundle_batches, chain_pem, VERIFY_HINT,
                        heads=_heads_proof(session, snapshot, subject, trees[snapshot.id]),
                        territory=territory, attachments=list(attachments))


def _proof(tree: MerkleTree, index: int) -> list[str]:
    """The audit path of leaf ``index``; none when a removed row left the tree shorter
    than the certified one (the bundle then fails to verify, as it should)."""
    try:
        return [p.hex() for p in tree.proof(index)]
    except IndexError:
        return []


def _heads_proof(session: Session, snapshot: EvidenceBatch, subject: str,
                 tree: MerkleTree) -> BundleHeads:
    """The subject's entry in ``snapshot``, recomputed from the log (a log that no longer
    gives the certified root yields a proof that fails, as it should)."""
    ordered, heads = heads_tree(heads_as_of(session, snapshot.id))
    index = next((i for i, h in enumerate(ordered) if h.subject == subject), None)
    if index is None:
        raise InvalidInput(f"{subject} n'a pas encore d'événement couvert par l'état du "
                           "journal : réessayez après le prochain passage de la tâche "
                           "certify_evidence")
    head = ordered[index]
    return BundleHeads(
        batch_seq=snapshot.seq, leaf_index=snapshot.size - 1,
        proof=_proof(tree, snapshot.size - 1),
        root=snapshot.heads_root, subjects=snapshot.heads_size, entry_index=index,
        entry_proof=[p.hex() for p in heads.proof(index)], count=head.count,
        head=head.last_hash)


def events_pending(session: Session, subject: str) -> int:
    """Events of ``subject`` not certified yet."""
    return session.scalar(
        select(func.count()).select_from(Event)
        .outerjoin(EvidenceBatch, Event.batch_id == EvidenceBatch.id)
        .where(Event.subject == subject, EvidenceBatch.token.is_(None)))
