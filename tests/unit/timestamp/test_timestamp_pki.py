"""The local PKI: certificate profile of RFC 3161 §2.3 and safe key files."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from timestamp.pki import add_years, init_authority, load_authority_files

NOW = datetime(2026, 2, 28, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def ec_directory(tmp_path_factory):
    directory = tmp_path_factory.mktemp("tsa")
    init_authority(directory, now=NOW, passphrase=b"secret")
    return directory


def test_files_and_modes(ec_directory):
    assert sorted(p.name for p in ec_directory.iterdir()) == [
        "chain.pem",
        "root.pem",
        "tsa.key",
        "tsa.pem",
    ]
    assert (ec_directory / "tsa.key").stat().st_mode & 0o777 == 0o600
    assert b"ENCRYPTED PRIVATE KEY" in (ec_directory / "tsa.key").read_bytes()


def test_certificate_profile(ec_directory):
    files = load_authority_files(ec_directory, b"secret")
    assert isinstance(files.key, ec.EllipticCurvePrivateKey)
    assert files.key.curve.name == "secp256r1"
    root, tsa = files.root, files.tsa
    assert files.chain == (tsa, root)

    eku = tsa.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical and list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    key_usage = tsa.extensions.get_extension_for_class(x509.KeyUsage)
    assert key_usage.critical and key_usage.value.digital_signature
    assert not key_usage.value.key_cert_sign
    assert not tsa.extensions.get_extension_for_class(x509.BasicConstraints).value.ca

    constraints = root.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca
    assert root.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign
    assert root.issuer == root.subject
    tsa.verify_directly_issued_by(root)

    assert root.not_valid_after_utc == datetime(2046, 2, 28, 12, 0, tzinfo=UTC)
    assert tsa.not_valid_after_utc == datetime(2036, 2, 28, 12, 0, tzinfo=UTC)


def test_passphrase_is_required(ec_directory):
    with pytest.raises(TypeError):
        load_authority_files(ec_directory)
    with pytest.raises(ValueError):
        load_authority_files(ec_directory, b"wrong")


def test_refuses_to_overwrite(ec_directory):
    before = (ec_directory / "tsa.key").read_bytes()
    with pytest.raises(FileExistsError, match="force=True"):
        init_authority(ec_directory, now=NOW)
    assert (ec_directory / "tsa.key").read_bytes() == before


def test_force_replaces(tmp_path):
    first = init_authority(tmp_path, now=NOW)
    second = init_authority(tmp_path, now=NOW, force=True)
    assert first.tsa != second.tsa
    assert load_authority_files(tmp_path).tsa == second.tsa
    assert (tmp_path / "tsa.key").stat().st_mode & 0o777 == 0o600


def test_rsa_option(tmp_path):
    files = init_authority(tmp_path, now=NOW, algorithm="rsa")
    assert isinstance(files.key, rsa.RSAPrivateKey) and files.key.key_size == 3072
    assert load_authority_files(tmp_path).tsa == files.tsa


def test_mismatched_key_is_detected(tmp_path):
    init_authority(tmp_path / "a", now=NOW)
    init_authority(tmp_path / "b", now=NOW)
    (tmp_path / "a" / "tsa.key").write_bytes((tmp_path / "b" / "tsa.key").read_bytes())
    with pytest.raises(ValueError, match="not the key"):
        load_authority_files(tmp_path / "a")


def test_naive_now_is_refused(tmp_path):
    with pytest.raises(ValueError, match="aware"):
        init_authority(tmp_path, now=datetime(2026, 1, 1))


def test_add_years_on_29_february():
    assert add_years(datetime(2028, 2, 29, tzinfo=UTC), 10) == datetime(2038, 2, 28, tzinfo=UTC)
