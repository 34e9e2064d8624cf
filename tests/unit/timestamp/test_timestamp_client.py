"""In-process clients: the embedded one and the fake twin for other modules' unit tests."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

from tests.unit.timestamp.doubles import FakeClient
from timestamp.client import EmbeddedClient, TimestampUnavailable
from timestamp.verify import verify_token


def test_embedded_client_returns_verified_tokens(ec_authority, ec_files, data, digest):
    token = EmbeddedClient(ec_authority).timestamp(digest)
    assert verify_token(token, data=data, trust_anchors=[ec_files.root]).nonce is not None


def test_embedded_client_sha512(ec_authority, ec_files, data):
    digest = hashlib.sha512(data).digest()
    token = EmbeddedClient(ec_authority, [ec_files.root]).timestamp(digest, "sha512")
    assert verify_token(token, data=data, trust_anchors=[ec_files.root]).hash_name == "sha512"


def test_embedded_client_unavailable_when_certificate_expired(
    ec_authority, ec_files, clock, digest
):
    clock.moment = ec_files.tsa.not_valid_after_utc + timedelta(days=1)
    with pytest.raises(TimestampUnavailable, match="not valid"):
        EmbeddedClient(ec_authority).timestamp(digest)


def test_embedded_client_refuses_sha1(ec_authority, data):
    with pytest.raises(ValueError):
        EmbeddedClient(ec_authority).timestamp(hashlib.sha1(data).digest(), "sha1")


def test_fake_client(data, digest):
    fake = FakeClient()
    fake.fail_next(2)
    for _ in range(2):
        with pytest.raises(TimestampUnavailable):
            fake.timestamp(digest)
    token = fake.timestamp(digest)
    assert verify_token(token, data=data, trust_anchors=fake.trust_anchors).gen_time == fake.clock()
    fake.down = True
    with pytest.raises(TimestampUnavailable):
        fake.timestamp(digest)
    assert len(fake.calls) == 4
