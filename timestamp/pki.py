"""The local PKI of the embedded time-stamping authority.

R. 223-3-1 III of the Code de la route makes the notification date the one "certifiée
par le dispositif d'horodatage du site". The certificate profile follows RFC 3161 §2.3:
the TSA certificate carries one extended key usage, id-kp-timeStamping, marked
critical; key usage digitalSignature (RFC 5280 §4.2.1.3), critical too.

The root key signs the TSA certificate once and is then discarded: no root key is
written to disk, so it cannot leak. Renewing the TSA certificate means creating a new
authority in a new directory; every `root.pem` ever used must be kept as a trust anchor
for as long as tokens it vouches for have to be verified.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ROOT_FILE = "root.pem"
TSA_CERT_FILE = "tsa.pem"
TSA_KEY_FILE = "tsa.key"
CHAIN_FILE = "chain.pem"

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


@dataclass(frozen=True)
class AuthorityFiles:
    directory: Path | None  # None when generated in memory only
    root: x509.Certificate
    tsa: x509.Certificate
    key: PrivateKey
    chain: tuple[x509.Certificate, ...]  # TSA certificate first, root last


def add_years(moment: datetime, years: int) -> datetime:
    """Same day and time `years` later; 29 February becomes 28 February."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


def generate_authority(
    *,
    now: datetime,
    algorithm: Literal["ec", "rsa"] = "ec",
    common_name: str = "notify - horodatage",
    organization: str = "notify",
    root_years: int = 20,
    tsa_years: int = 10,
) -> AuthorityFiles:
    """Root and TSA certificates and the TSA key, in memory only (directory is None)."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    if algorithm == "ec":
        root_key: PrivateKey = ec.generate_private_key(ec.SECP384R1())
        tsa_key: PrivateKey = ec.generate_private_key(ec.SECP256R1())
        signing_hash: hashes.HashAlgorithm = hashes.SHA384()
    elif algorithm == "rsa":
        root_key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
        tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
        signing_hash = hashes.SHA256()
    else:
        raise ValueError(f"unknown algorithm {algorithm!r}; expected 'ec' or 'rsa'")

    # Backdated by one minute so that a token issued right after creation, by a host
    # whose clock is slightly behind, is still within the validity period.
    not_before = now - timedelta(minutes=1)
    root_name = _name(f"{common_name} - racine", organization)
    root = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(add_years(now, root_years))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False
        )
        .sign(root_key, signing_hash)
    )
    tsa = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name, organization))
        .issuer_name(root_name)
        .public_key(tsa_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(min(add_years(now, tsa_years), root.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(tsa_key.public_key()), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
            critical=False,
        )
        .sign(root_key, signing_hash)
    )

    return AuthorityFiles(None, root, tsa, tsa_key, (tsa, root))


def init_authority(
    directory: Path,
    *,
    now: datetime,
    algorithm: Literal["ec", "rsa"] = "ec",
    passphrase: bytes | None = None,
    common_name: str = "notify - horodatage",
    organization: str = "notify",
    root_years: int = 20,
    tsa_years: int = 10,
    force: bool = False,
) -> AuthorityFiles:
    """Create a self-signed root and a TSA certificate it signs, and write the files.

    Writes root.pem, tsa.pem, tsa.key (mode 0600, PKCS#8, encrypted when a passphrase
    is given) and chain.pem (TSA then root). Refuses to replace existing files unless
    `force`: overwriting the key of a TSA in service would orphan its tokens' chain.
    """
    directory = Path(directory)
    names = (ROOT_FILE, TSA_CERT_FILE, TSA_KEY_FILE, CHAIN_FILE)
    existing = [name for name in names if (directory / name).exists()]
    if existing and not force:
        raise FileExistsError(
            f"{directory} already holds {', '.join(existing)}; pass force=True to replace"
        )
    generated = generate_authority(
        now=now,
        algorithm=algorithm,
        common_name=common_name,
        organization=organization,
        root_years=root_years,
        tsa_years=tsa_years,
    )
    root, tsa, tsa_key = generated.root, generated.tsa, generated.key

    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    key_pem = tsa_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )
    root_pem = root.public_bytes(serialization.Encoding.PEM)
    tsa_pem = tsa.public_bytes(serialization.Encoding.PEM)

    directory.mkdir(parents=True, exist_ok=True)
    _write_atomically(directory / TSA_KEY_FILE, key_pem, mode=0o600)
    _write_atomically(directory / ROOT_FILE, root_pem, mode=0o644)
    _write_atomically(directory / TSA_CERT_FILE, tsa_pem, mode=0o644)
    _write_atomically(directory / CHAIN_FILE, tsa_pem + root_pem, mode=0o644)
    return AuthorityFiles(directory, root, tsa, tsa_key, (tsa, root))


def load_authority_files(directory: Path, passphrase: bytes | None = None) -> AuthorityFiles:
    """Read the files written by `init_authority` and check they belong together."""
    directory = Path(directory)
    root = x509.load_pem_x509_certificate((directory / ROOT_FILE).read_bytes())
    tsa = x509.load_pem_x509_certificate((directory / TSA_CERT_FILE).read_bytes())
    chain = tuple(x509.load_pem_x509_certificates((directory / CHAIN_FILE).read_bytes()))
    key = serialization.load_pem_private_key(
        (directory / TSA_KEY_FILE).read_bytes(), password=passphrase
    )
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise ValueError(f"{directory / TSA_KEY_FILE}: only EC and RSA keys are supported")
    if key.public_key().public_numbers() != tsa.public_key().public_numbers():
        raise ValueError(f"{TSA_KEY_FILE} is not the key of {TSA_CERT_FILE} in {directory}")
    if not chain or chain[0] != tsa:
        raise ValueError(f"{CHAIN_FILE} must start with {TSA_CERT_FILE} in {directory}")
    tsa.verify_directly_issued_by(root)
    return AuthorityFiles(directory, root, tsa, key, chain)


def _name(common_name: str, organization: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key_usage(
    *, digital_signature: bool = False, key_cert_sign: bool = False, crl_sign: bool = False
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _write_atomically(path: Path, data: bytes, *, mode: int) -> None:
    # The temporary file is created 0600 by mkstemp, so the key is never readable by
    # others, not even for an instant; the rename then replaces any previous file whole.
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
