"""Fixtures for the time-stamping unit tests: in-memory authorities and certificates."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.unit.timestamp.doubles import FixedClock
from timestamp.authority import Authority
from timestamp.oids import TEST_POLICY
from timestamp.pki import generate_authority
from timestamp.serials import CounterSerials

ISSUED_AT = datetime(2026, 3, 2, 10, 15, 30, tzinfo=UTC)
DATA = "Décision 48 SI : retrait de 3 points".encode()
DIGEST = hashlib.sha256(DATA).digest()


def make_certificate(
    *,
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer_cert: x509.Certificate | None = None,
    issuer_key: ec.EllipticCurvePrivateKey | None = None,
    ca: bool = False,
    eku: list[x509.ObjectIdentifier] | None = (ExtendedKeyUsageOID.TIME_STAMPING,),  # type: ignore[assignment]
    eku_critical: bool = True,
    not_before: datetime = ISSUED_AT - timedelta(days=30),
    not_after: datetime = ISSUED_AT + timedelta(days=365),
) -> x509.Certificate:
    """A certificate with exactly the defects a test wants (self-signed when no issuer)."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer_cert.subject if issuer_cert else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if eku is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(eku)), critical=eku_critical)
    return builder.sign(issuer_key or key, hashes.SHA256())


@pytest.fixture(scope="session")
def generated():
    """One EC and one RSA hierarchy per run: RSA-3072 key generation is slow."""
    return {
        algorithm: generate_authority(now=ISSUED_AT - timedelta(days=1), algorithm=algorithm)
        for algorithm in ("ec", "rsa")
    }


@pytest.fixture
def data():
    return DATA


@pytest.fixture
def digest():
    return DIGEST


@pytest.fixture
def clock():
    return FixedClock(ISSUED_AT)


@pytest.fixture(params=["ec", "rsa"])
def algorithm(request):
    return request.param


@pytest.fixture
def files(generated, algorithm):
    return generated[algorithm]


@pytest.fixture
def authority(files, clock):
    return Authority.from_files(
        files, policy_oid=TEST_POLICY, serials=CounterSerials(), clock=clock
    )


@pytest.fixture(scope="session")
def ec_files(generated):
    return generated["ec"]


@pytest.fixture
def ec_authority(ec_files, clock):
    return Authority.from_files(
        ec_files, policy_oid=TEST_POLICY, serials=CounterSerials(), clock=clock
    )


@pytest.fixture
def make_cert():
    return make_certificate
