"""Passwords (argon2id), the random secrets we hand out (codes, links, recovery codes) and
the encryption of secrets kept at rest (staff TOTP keys)."""

from __future__ import annotations

import base64
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from notify.errors import InvalidInput

PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 256

_hasher = PasswordHasher()  # argon2id with the library's current RFC 9106 defaults
# Verifying against this keeps the time of a login for an unknown address the same as
# for a known one, so timing does not tell which addresses have an account.
_DUMMY_HASH = _hasher.hash("notify-dummy-password")

# No 0/O/1/I/L: the activation code is read off paper and typed by hand.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def check_password_policy(password: str, *, field: str = "password") -> None:
    if len(password) < PASSWORD_MIN_LENGTH:
        raise InvalidInput(
            f"Le mot de passe doit compter au moins {PASSWORD_MIN_LENGTH} caractères.",
            field=field,
        )
    if len(password) > PASSWORD_MAX_LENGTH:
        raise InvalidInput(
            f"Le mot de passe ne peut pas dépasser {PASSWORD_MAX_LENGTH} caractères.",
            field=field,
        )


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def new_link_token() -> str:
    """256 random bits for a single-use e-mail link."""
    return secrets.token_urlsafe(32)


def new_activation_code() -> str:
    """16 characters from a 31-letter alphabet (about 79 bits), grouped by four."""
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def normalize_activation_code(code: str) -> str:
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())
    return "-".join(cleaned[i : i + 4] for i in range(0, len(cleaned), 4))


def digest(secret: str) -> str:
    """SHA-256 of a high-entropy secret: enough to store it, no salt needed."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_recovery_code() -> str:
    """A staff member's single-use recovery code: same shape and strength as an
    activation code, so a plain SHA-256 stores it."""
    return new_activation_code()


def _fernet(app_secret: str, purpose: bytes) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"notify:" + purpose).derive(app_secret.encode("utf-8"))
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_secret(app_secret: str, purpose: bytes, plaintext: str) -> str:
    """Encrypt a secret at rest (Fernet: AES-128-CBC + HMAC-SHA256) under a key derived
    from the application's secret key with HKDF, one key per ``purpose``."""
    return _fernet(app_secret, purpose).encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt_secret(app_secret: str, purpose: bytes, token: str) -> str:
    """The reverse of ``encrypt_secret``; raises ``cryptography.fernet.InvalidToken`` when
    the secret key changed or the value was altered."""
    return _fernet(app_secret, purpose).decrypt(token.encode("ascii")).decode("utf-8")
