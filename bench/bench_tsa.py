"""Throughput of the embedded TSA against its baselines (figures for docs/benchmarks.md).

Run: .venv/bin/python -m bench.bench_tsa   (about 25 s)

Measures, in one process and on one core: tokens/s from Authority.timestamp (EC P-256,
with the in-memory counter and with the fcntl-locked FileSerials), tokens/s through
the WSGI server over loopback HTTP (one connection per request, as wsgiref speaks
HTTP/1.0), raw ECDSA P-256 signatures/s with cryptography, `openssl ts -reply` run once
per token, token verification/s, and a 10,000-leaf Merkle batch.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import subprocess
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from asn1crypto import tsp
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from timestamp.authority import Authority
from timestamp.merkle import MerkleTree
from timestamp.oids import TEST_POLICY
from timestamp.pki import init_authority
from timestamp.serials import CounterSerials, FileSerials
from timestamp.server import make_wsgi_app, serve_in_thread
from timestamp.verify import verify_token

SECONDS_PER_MEASURE = 3.0
OPENSSL_TOKENS = 50


def rate(operation: Callable[[], object], seconds: float = SECONDS_PER_MEASURE) -> float:
    """Operations per second, running `operation` for about `seconds`."""
    count, start = 0, time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(20):
            operation()
        count += 20
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - start)


def main() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as stated
    digest = hashlib.sha256(b"bench").digest()
    with tempfile.TemporaryDirectory() as temporary:
        directory = Path(temporary)
        files = init_authority(directory / "tsa", now=datetime.now(UTC))
        in_memory = Authority.from_files(files, policy_oid=TEST_POLICY, serials=CounterSerials())
        on_file = Authority.from_files(
            files, policy_oid=TEST_POLICY, serials=FileSerials(directory / "serial")
        )

        embedded = rate(lambda: in_memory.timestamp(digest))
        embedded_file = rate(lambda: on_file.timestamp(digest))

        request = tsp.TimeStampReq(
            {
                "version": "v1",
                "message_imprint": {
                    "hash_algorithm": {"algorithm": "sha256"},
                    "hashed_message": digest,
                },
                "nonce": 1234567,
                "cert_req": True,
            }
        ).dump()
        url, stop = serve_in_thread(make_wsgi_app(on_file))
        address = urllib.parse.urlsplit(url)

        def over_http() -> None:
            connection = http.client.HTTPConnection(address.hostname, address.port, timeout=5)
            connection.request(
                "POST", "/tsa", request, {"Content-Type": "application/timestamp-query"}
            )
            reply = connection.getresponse()
            reply.read()
            connection.close()
            assert reply.status == 200

        try:
            http_rate = rate(over_http)
        finally:
            stop()

        key = ec.generate_private_key(ec.SECP256R1())
        signatures = rate(lambda: key.sign(digest, ec.ECDSA(hashes.SHA256())))

        token = in_memory.timestamp(digest)
        verifications = rate(
            lambda: verify_token(token, digest=digest, trust_anchors=[files.root]), 2.0
        )

        openssl_rate = openssl_reply_rate(directory, files.directory, digest)

        leaves = [f"event {i}".encode() for i in range(10_000)]
        start = time.perf_counter()
        tree = MerkleTree(leaves)
        proofs = [tree.proof(i) for i in range(len(leaves))]
        merkle_seconds = time.perf_counter() - start
        assert len(proofs) == 10_000

    print(f"embedded TSA, in process, CounterSerials : {embedded:10,.0f} tokens/s")
    print(f"embedded TSA, in process, FileSerials    : {embedded_file:10,.0f} tokens/s")
    print(f"WSGI server over loopback HTTP           : {http_rate:10,.0f} tokens/s")
    print(f"raw ECDSA P-256 signatures (cryptography): {signatures:10,.0f} signatures/s")
    print(f"openssl ts -reply, one process per token : {openssl_rate:10,.1f} tokens/s")
    print(f"verify_token (EC, chain of 2)            : {verifications:10,.0f} tokens/s")
    print(f"Merkle root + 10,000 proofs              : {merkle_seconds * 1000:10,.1f} ms")
    print(f"ratio embedded / raw ECDSA               : {embedded / signatures:10.2f}")
    print(f"ratio embedded / openssl ts -reply       : {embedded / openssl_rate:10.1f}")
    print(f"ratio HTTP / openssl ts -reply           : {http_rate / openssl_rate:10.1f}")


def openssl_reply_rate(work: Path, tsa_directory: Path, digest: bytes) -> float:
    """`openssl ts -reply` from the same key and query, one subprocess per token."""
    (work / "openssl-serial").write_text("01\n")
    config = work / "openssl-tsa.cnf"
    config.write_text(
        f"""
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
serial = {work}/openssl-serial
crypto_device = builtin
signer_cert = {tsa_directory}/tsa.pem
certs = {tsa_directory}/tsa.pem
signer_key = {tsa_directory}/tsa.key
signer_digest = sha256
default_policy = {TEST_POLICY}
digests = sha256
accuracy = secs:1
ess_cert_id_alg = sha256
"""
    )
    query = work / "query.tsq"
    subprocess.run(
        ["openssl", "ts", "-query", "-digest", digest.hex(), "-sha256", "-cert", "-out", query],
        check=True,
        capture_output=True,
    )
    start = time.perf_counter()
    for index in range(OPENSSL_TOKENS):
        subprocess.run(
            ["openssl", "ts", "-reply", "-config", config, "-queryfile", query,
             "-out", work / f"reply-{index}.tsr"],
            check=True,
            capture_output=True,
        )  # fmt: skip
    return OPENSSL_TOKENS / (time.perf_counter() - start)


if __name__ == "__main__":
    main()
