"""Cost of the evidence log, against a bare SHA-256 of the same event (docs/benchmarks.md).

Run: .venv/bin/python -m bench.bench_evidence   (about 20 s)

Three figures, each from this one run:

1. In memory, per event, amortised over a 10,000-event batch: canonical JSON + SHA-256
   of the event (append), the batch's Merkle tree (batch) and every event's inclusion
   proof (proof); printed beside a bare SHA-256 of the same canonical document.
2. With the database (a SQLite file): appending events through ``record_event`` (one
   query for the previous hash of the subject, one insert), per event.
3. Certifying a batch of 10,000 pending events: ``certify_pending`` with the embedded
   authority in process (close the batch, one token, commit), wall time.
4. Taking a heads snapshot over 10,000 subjects (the periodic proof of absence): the
   query of every subject's head, the sorted Merkle tree, and the check that the
   previous snapshot still holds.
5. Verifying offline a bundle of 1,000 events (what ``notify evidence verify`` does).
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding

from notify.clock import FixedClock
from notify.db import Database, upgrade
from notify.evidence.batches import batch_leaves, certify_pending
from notify.evidence.bundle import verify_bundle
from notify.evidence.export import export_subject, prepare_export
from notify.evidence.log import canonical_json, format_instant, record_event
from notify.evidence.models import EventTag
from timestamp.authority import Authority
from timestamp.client import EmbeddedClient
from timestamp.merkle import MerkleTree
from timestamp.oids import TEST_POLICY
from timestamp.pki import generate_authority
from timestamp.serials import CounterSerials

BATCH = 10_000
START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _document(i: int) -> dict:
    return {"subject": f"decision:SNPC-2026-{i:06d}", "seq": 1, "tag": "deposited",
            "actor": "api:snpc", "at": format_instant(START), "prev": None,
            "data": {"channel": "online", "routing_policy": "routing_stage_by_post/1",
                     "content_sha256": "ab" * 32, "letter_sha256": "cd" * 32}}


def best_of(repeats: int, fn) -> float:
    best = float("inf")
    for _ in range(repeats):
        began = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - began)
    return best


def in_memory() -> None:
    documents = [_document(i) for i in range(BATCH)]
    encoded = [canonical_json(d) for d in documents]

    def bare() -> None:
        for body in encoded:
            hashlib.sha256(body).digest()

    def pipeline() -> None:
        hashes = [hashlib.sha256(canonical_json(d)).digest() for d in documents]
        tree = MerkleTree(batch_leaves(bytes(32), hashes))
        for index in range(1, tree.size):
            tree.proof(index)

    sha = best_of(5, bare) / BATCH * 1e6
    full = best_of(5, pipeline) / BATCH * 1e6
    print(f"in memory, per event: append+batch+proof {full:6.2f} µs   "
          f"bare SHA-256 {sha:5.2f} µs   ratio {full / sha:5.1f}x   (target ≤ 20 µs)")


def with_database() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade(url)
        db = Database.from_url(url)
        clock = FixedClock(START)
        began = time.perf_counter()
        with db.unit_of_work() as uow:
            for i in range(BATCH):
                record_event(uow.session, subject=f"decision:SNPC-2026-{i:06d}",
                             tag=EventTag.DEPOSITED, actor="api:snpc", at=clock.now(),
                             data=_document(i)["data"])
            uow.commit()
        append = (time.perf_counter() - began) / BATCH * 1e6
        print(f"SQLite, record_event per event: {append:6.1f} µs "
              f"(one SELECT of the subject's last hash + one INSERT)")

        files = generate_authority(now=START - timedelta(days=1))
        authority = Authority.from_files(files, policy_oid=TEST_POLICY, serials=CounterSerials(),
                                         clock=clock.now)
        client = EmbeddedClient(authority, trust_anchors=[files.root])
        began = time.perf_counter()
        report = certify_pending(db, client, clock, max_size=BATCH)
        elapsed = time.perf_counter() - began
        assert (report.closed, report.certified) == (1, 1), report
        print(f"SQLite, certify a batch of {BATCH} events: {elapsed * 1000:6.0f} ms "
              f"(target < 1000 ms)")
        for label in ("first", "second"):
            began = time.perf_counter()
            report = certify_pending(db, client, clock, max_size=BATCH, heads_now=True)
            elapsed = time.perf_counter() - began
            assert (report.closed, report.certified, report.heads_error) == (1, 1, None), report
            print(f"SQLite, {label} heads snapshot of {BATCH} subjects (certified): "
                  f"{elapsed * 1000:6.0f} ms, {elapsed / BATCH * 1e6:5.1f} µs per subject")
        bundle_of_1000(db, client, clock, files)
        db.engine.dispose()


def bundle_of_1000(db: Database, client: EmbeddedClient, clock: FixedClock, files) -> None:
    """`notify evidence verify` on a bundle of 1,000 events (one subject, 10 batches)."""
    subject = "decision:BUNDLE-1000"
    for _ in range(10):
        with db.unit_of_work() as uow:
            for _ in range(100):
                record_event(uow.session, subject=subject, tag=EventTag.CONSULTED,
                             actor="holder", at=clock.now(), data={})
            uow.commit()
        clock.advance(timedelta(seconds=2))
        certify_pending(db, client, clock, max_size=BATCH)
    chain = b"".join(c.public_bytes(Encoding.PEM) for c in files.chain)
    prepare_export(db, client, clock, subject, max_size=BATCH)
    with db.unit_of_work() as uow:
        bundle = export_subject(uow.session, subject, client, chain)
    began = time.perf_counter()
    _, events = verify_bundle(bundle, [files.root])
    in_process = time.perf_counter() - began
    assert len(events) == 1000
    with tempfile.TemporaryDirectory() as folder:
        path, root = Path(folder) / "bundle.zip", Path(folder) / "root.pem"
        path.write_bytes(bundle)
        root.write_bytes(files.root.public_bytes(Encoding.PEM))
        began = time.perf_counter()
        subprocess.run([sys.executable, "-m", "notify.cli", "evidence", "verify", str(path),
                        "--trust", str(root)], check=True, capture_output=True)
        command = time.perf_counter() - began
    print(f"verify a bundle of 1,000 events ({len(bundle) // 1024} KiB, 10 tokens): "
          f"`notify evidence verify` {command * 1000:5.0f} ms (process start included), "
          f"of which the checks {in_process * 1000:4.0f} ms")


def main() -> None:
    print("== evidence log ==")
    in_memory()
    with_database()


if __name__ == "__main__":
    main()
