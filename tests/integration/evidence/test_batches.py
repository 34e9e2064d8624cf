"""Certifying the evidence log: batches, chain, proofs, outages, bundles."""

import io
import subprocess
import zipfile
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import func, select

from notify.evidence.batches import (
    GENESIS_ROOT,
    batch_leaves,
    certify_pending,
    evidence_status,
    inclusion_proof,
)
from notify.evidence.bundle import BundleError, verify_bundle
from notify.evidence.export import export_subject, prepare_export
from notify.evidence.log import events_of, record_event
from notify.evidence.models import Event, EventTag, EvidenceBatch
from timestamp.client import RemoteClient
from timestamp.merkle import MerkleTree, leaf_hash, verify_inclusion
from timestamp.server import make_wsgi_app, serve_in_thread


def pem_of(certificates):
    return b"".join(c.public_bytes(Encoding.PEM) for c in certificates)


def add_events(session, clock, subject, count):
    for _ in range(count):
        record_event(session, subject=subject, tag=EventTag.CONSULTED, actor="holder",
                     at=clock.now(), data={"n": 1})
        clock.advance(timedelta(seconds=1))
    session.commit()


def certify(db, client, clock, size=1000):
    return certify_pending(db, client, clock, max_size=size)


def bundle_of(db, session, clock, client, tsa_files, subject, **inputs):
    """Export as the CLI does: certify on demand, snapshot the heads if needed."""
    prepare_export(db, client, clock, subject, max_size=1000)
    return export_subject(session, subject, client, pem_of(tsa_files.chain), **inputs)


def test_events_are_batched_chained_and_provable(db, session, clock, timestamp_client):
    add_events(session, clock, "decision:A", 5)
    report = certify(db, timestamp_client, clock, size=3)
    assert (report.closed, report.certified, report.pending_batches) == (2, 2, 0)
    first, second = session.scalars(select(EvidenceBatch).order_by(EvidenceBatch.seq)).all()
    assert first.prev_root == GENESIS_ROOT.hex()
    assert second.prev_root == first.root
    assert (first.size, second.size) == (4, 3)  # leaf 0 is the previous root
    assert first.gen_time == clock.now()
    for event in events_of(session, "decision:A"):
        batch = session.get(EvidenceBatch, event.batch_id)
        proof = inclusion_proof(session, event)
        assert verify_inclusion(leaf_hash(bytes.fromhex(event.hash)), event.leaf_index,
                                batch.size, proof, bytes.fromhex(batch.root))


def test_nothing_to_do_is_a_no_op(db, timestamp_client, clock):
    assert certify(db, timestamp_client, clock).closed == 0


def test_tsa_down_then_back_over_real_http(db, session, clock, tsa_files, timestamp_client):
    """A real HTTP TSA is stopped and restarted: every event ends certified, in order."""
    app = make_wsgi_app(timestamp_client.authority)
    url, stop = serve_in_thread(app)
    client = RemoteClient(f"{url}/tsa", [tsa_files.root], retries=0, timeout=2)
    add_events(session, clock, "decision:B", 2)
    assert certify(db, client, clock).certified == 1
    stop()

    add_events(session, clock, "decision:B", 3)
    report = certify(db, client, clock, size=2)
    assert (report.closed, report.certified, report.pending_batches) == (2, 0, 2)
    assert "cannot reach" in report.error
    status = evidence_status(session)
    assert (status.pending_events, status.pending_batches) == (3, 2)
    assert status.last_error and status.next_attempt_at > clock.now()

    port = int(url.rsplit(":", 1)[1])
    url, stop = serve_in_thread(app, port=port)
    try:
        clock.advance(timedelta(seconds=1))
        assert certify(db, client, clock).certified == 0  # backoff: not due yet
        clock.advance(timedelta(minutes=1))
        report = certify(db, client, clock)
        assert (report.certified, report.pending_batches) == (2, 0)
    finally:
        stop()
    batches = session.scalars(select(EvidenceBatch).order_by(EvidenceBatch.seq)).all()
    assert [b.gen_time for b in batches] == sorted(b.gen_time for b in batches)
    assert session.scalar(select(func.count()).select_from(Event).where(
        Event.batch_id.is_(None))) == 0
    assert evidence_status(session).pending_events == 0


def test_bundle_verifies_offline_and_any_changed_byte_fails(db, session, clock,
                                                            timestamp_client, tsa_files):
    add_events(session, clock, "decision:C", 3)
    certify(db, timestamp_client, clock, size=2)
    add_events(session, clock, "decision:C", 1)
    certify(db, timestamp_client, clock)
    bundle = bundle_of(db, session, clock, timestamp_client, tsa_files, "decision:C")
    subject, events = verify_bundle(bundle, [tsa_files.root])
    assert subject == "decision:C"
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert events[0].certified_at <= events[-1].certified_at

    step = max(1, len(bundle) // 300)
    for position in range(0, len(bundle), step):
        altered = bytearray(bundle)
        altered[position] ^= 0x01
        with pytest.raises(BundleError):
            verify_bundle(bytes(altered), [tsa_files.root])


def test_bundle_refuses_an_untrusted_root(db, session, clock, timestamp_client, tsa_files):
    from timestamp.pki import generate_authority

    add_events(session, clock, "decision:D", 1)
    certify(db, timestamp_client, clock)
    bundle = bundle_of(db, session, clock, timestamp_client, tsa_files, "decision:D")
    stranger = generate_authority(now=clock.now() - timedelta(days=1))
    with pytest.raises(BundleError, match="jeton d'horodatage refusé"):
        verify_bundle(bundle, [stranger.root])


def test_export_waits_for_certification(session, clock, timestamp_client):
    from notify.errors import InvalidInput

    add_events(session, clock, "decision:E", 1)
    with pytest.raises(InvalidInput, match="pas encore certifiés"):
        export_subject(session, "decision:E", timestamp_client, b"")


def test_openssl_verifies_the_bundle_tokens(db, session, clock, timestamp_client, tsa_files,
                                            tmp_path):
    add_events(session, clock, "decision:F", 2)
    certify(db, timestamp_client, clock)
    bundle = bundle_of(db, session, clock, timestamp_client, tsa_files, "decision:F")
    zipfile.ZipFile(io.BytesIO(bundle)).extractall(tmp_path)
    (tmp_path / "racine.pem").write_bytes(tsa_files.root.public_bytes(Encoding.PEM))
    readme = (tmp_path / "LISEZMOI.txt").read_text()
    command = next(line.strip() for line in readme.splitlines()
                   if line.strip().startswith("openssl ts -verify"))
    result = subprocess.run(command.split(), cwd=tmp_path, capture_output=True, text=True)
    assert "Verification: OK" in result.stdout, result.stderr


def test_batch_leaves_put_the_previous_root_first():
    prev = bytes(range(32))
    leaves = batch_leaves(prev, [b"\x01" * 32])
    assert MerkleTree(leaves).leaf_hash(0) == leaf_hash(prev)
