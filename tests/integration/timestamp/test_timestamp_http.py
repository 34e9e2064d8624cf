"""A real RFC 3161 exchange over HTTP on loopback (RFC 3161 §3.4)."""

from __future__ import annotations

import hashlib
import secrets
import urllib.request

import pytest
import rfc3161ng

from timestamp.client import RemoteClient, TimestampUnavailable
from timestamp.pki import generate_authority
from timestamp.server import make_wsgi_app, serve_in_thread
from timestamp.verify import VerificationError, verify_token

DATA = "Décision 48 SI — accusé de première consultation".encode()
DIGEST = hashlib.sha256(DATA).digest()


def test_rfc3161ng_client_gets_a_token_we_verify(tsa_url, tsa_files):
    nonce = secrets.randbits(64)
    timestamper = rfc3161ng.RemoteTimestamper(
        tsa_url, hashname="sha256", include_tsa_certificate=True, timeout=5
    )
    token = timestamper.timestamp(data=DATA, nonce=nonce)
    verified = verify_token(token, data=DATA, nonce=nonce, trust_anchors=[tsa_files.root])
    assert verified.signer == tsa_files.tsa


def test_remote_client(tsa_url, tsa_files):
    client = RemoteClient(tsa_url, [tsa_files.root], timeout=5)
    tokens = [client.timestamp(DIGEST) for _ in range(3)]
    serials = [verify_token(t, data=DATA, trust_anchors=[tsa_files.root]).serial for t in tokens]
    assert serials == sorted(serials) and len(set(serials)) == 3


def test_certs_endpoint(tsa_url, tsa_files):
    with urllib.request.urlopen(tsa_url + "/certs", timeout=5) as reply:
        assert reply.headers["Content-Type"] == "application/pem-certificate-chain"
        assert reply.read() == (tsa_files.directory / "chain.pem").read_bytes()


def test_wrong_content_type_is_415(tsa_url):
    request = urllib.request.Request(
        tsa_url, data=b"x", method="POST", headers={"Content-Type": "text/plain"}
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=5)
    caught.value.close()
    assert caught.value.code == 415


def test_tsa_down_then_back(authority, tsa_files):
    url, stop = serve_in_thread(make_wsgi_app(authority))
    port = int(url.rsplit(":", 1)[1])
    stop()
    waits: list[float] = []
    client = RemoteClient(url + "/tsa", [tsa_files.root], timeout=2, retries=2, sleep=waits.append)
    with pytest.raises(TimestampUnavailable, match="after 3 attempts"):
        client.timestamp(DIGEST)
    assert waits == [0.5, 1.0]  # the default exponential backoff, without sleeping

    restarted: list = []

    def back_during_backoff(seconds: float) -> None:
        waits.append(seconds)
        restarted.append(serve_in_thread(make_wsgi_app(authority), port=port))

    client = RemoteClient(url + "/tsa", [tsa_files.root], timeout=2, sleep=back_during_backoff)
    try:
        token = client.timestamp(DIGEST)
    finally:
        for _, stop_again in restarted:
            stop_again()
    assert len(restarted) == 1
    assert verify_token(token, data=DATA, trust_anchors=[tsa_files.root]).signer == tsa_files.tsa


def test_refusing_tsa_is_unavailable(tsa_url, tsa_files):
    waits: list[float] = []
    client = RemoteClient(
        tsa_url, [tsa_files.root], policy_oid="1.2.3.4", retries=1, sleep=waits.append
    )
    with pytest.raises(TimestampUnavailable, match="unaccepted_policy"):
        client.timestamp(DIGEST)
    assert len(waits) == 1


def test_untrusted_tsa_is_not_retried(tsa_url, tsa_files):
    other_root = generate_authority(now=tsa_files.root.not_valid_before_utc).root
    waits: list[float] = []
    client = RemoteClient(tsa_url, [other_root], sleep=waits.append)
    with pytest.raises(VerificationError) as caught:
        client.timestamp(DIGEST)
    assert caught.value.reason == "chain" and waits == []


def test_http_error_is_unavailable(tsa_files):
    def failing(environ, start_response):
        start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
        return [b"maintenance"]

    url, stop = serve_in_thread(failing)
    try:
        client = RemoteClient(url + "/tsa", [tsa_files.root], retries=0)
        with pytest.raises(TimestampUnavailable, match="HTTP 503"):
            client.timestamp(DIGEST)
    finally:
        stop()
