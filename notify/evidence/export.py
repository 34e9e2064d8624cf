"""Gathering a subject's evidence from the database into a bundle (see ``bundle``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from notify.errors import InvalidInput, NotFound
from notify.evidence.batches import batch_leaves
from notify.evidence.bundle import BundleBatch, BundleEvent, build_bundle
from notify.evidence.models import Event, EvidenceBatch
from timestamp.client import TimestampClient
from timestamp.merkle import MerkleTree
from timestamp.verify import verify_token

VERIFY_HINT = "notify evidence verify paquet.zip --trust racine.pem"


def export_subject(session: Session, subject: str, client: TimestampClient,
                   chain_pem: bytes) -> bytes:
    """The bundle of ``subject`` (``account:<ref>`` or ``decision:<ref>``).

    Refused while one of its events is not certified yet: a bundle is only worth
    something once every event in it carries a token.
    """
    events = list(session.scalars(select(Event).where(Event.subject == subject)
                                  .order_by(Event.seq)))
    if not events:
        raise NotFound(f"aucun événement pour {subject}")
    batch_ids = sorted({e.batch_id for e in events if e.batch_id is not None})
    batches = {b.id: b for b in session.scalars(
        select(EvidenceBatch).where(EvidenceBatch.id.in_(batch_ids)))}
    if len(batch_ids) < len({e.batch_id for e in events}) or any(
            b.token is None for b in batches.values()):
        raise InvalidInput(f"{subject} a des événements pas encore certifiés : réessayez "
                           "après le prochain passage de la tâche certify_evidence")
    trees = {}
    bundle_batches = []
    for batch in sorted(batches.values(), key=lambda b: b.seq):
        hashes = session.scalars(select(Event.hash).where(Event.batch_id == batch.id)
                                 .order_by(Event.leaf_index)).all()
        tree = MerkleTree(batch_leaves(bytes.fromhex(batch.prev_root),
                                       [bytes.fromhex(h) for h in hashes]))
        trees[batch.id] = tree
        verified = verify_token(batch.token, digest=bytes.fromhex(batch.root),
                                hash_name="sha256", trust_anchors=client.trust_anchors)
        bundle_batches.append(BundleBatch(
            seq=batch.seq, prev_root=batch.prev_root, root=batch.root, size=batch.size,
            gen_time=verified.gen_time.isoformat(), token=batch.token,
            prev_root_proof=[p.hex() for p in tree.proof(0)]))
    bundle_events = [
        BundleEvent(seq=e.seq, document=e.document.encode("utf-8"), hash=e.hash,
                    batch_seq=batches[e.batch_id].seq, leaf_index=e.leaf_index,
                    proof=[p.hex() for p in trees[e.batch_id].proof(e.leaf_index)])
        for e in events
    ]
    return build_bundle(subject, bundle_events, bundle_batches, chain_pem, VERIFY_HINT)
