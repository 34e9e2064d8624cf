"""Minimal DER encoding (ITU-T X.690 §8 and §10) for the hot path of the embedded TSA.

asn1crypto builds and parses everything that is not on the per-token path; the few
structures that change with every token (TSTInfo, signed attributes, SignerInfo) are
concatenated here from precomputed parts, which is what makes thousands of tokens per
second possible. Every output of this module is parsed back by asn1crypto and by the
OpenSSL CLI in the tests.
"""

from __future__ import annotations

from datetime import UTC, datetime

from asn1crypto import core

# Universal tags (X.690 §8.1.2) and the context tags used by CMS / RFC 3161.
BOOLEAN = 0x01
INTEGER = 0x02
BIT_STRING = 0x03
OCTET_STRING = 0x04
NULL = 0x05
OID = 0x06
UTF8_STRING = 0x0C
GENERALIZED_TIME = 0x18
SEQUENCE = 0x30
SET = 0x31


def context(number: int, *, constructed: bool = True) -> int:
    """Tag byte of a context-specific [number] (low-tag-number form only)."""
    return 0x80 | (0x20 if constructed else 0) | number


def length(n: int) -> bytes:
    """Definite length octets, short form below 128 and minimal long form above (§10.1)."""
    if n < 0x80:
        return bytes((n,))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(body),)) + body


def tlv(tag: int, value: bytes) -> bytes:
    return bytes((tag,)) + length(len(value)) + value


def sequence(*items: bytes) -> bytes:
    return tlv(SEQUENCE, b"".join(items))


def set_of(*items: bytes) -> bytes:
    """DER SET OF: elements sorted by their encodings (X.690 §11.6)."""
    return tlv(SET, b"".join(sorted(items)))


def integer(value: int) -> bytes:
    """Two's complement, minimal number of octets (X.690 §8.3)."""
    size = (value + (value < 0)).bit_length() // 8 + 1
    return tlv(INTEGER, value.to_bytes(size, "big", signed=True))


def octet_string(value: bytes) -> bytes:
    return tlv(OCTET_STRING, value)


def oid(dotted: str) -> bytes:
    return core.ObjectIdentifier(dotted).dump()


def generalized_time(moment: datetime) -> bytes:
    """GeneralizedTime in UTC with whole seconds, "YYYYMMDDHHMMSSZ" (X.690 §11.7).

    Sub-second digits are dropped on purpose: the tokens state an accuracy of one
    second, and DER forbids trailing zeros, so whole seconds keep the encoding fixed.
    """
    if moment.tzinfo is None:
        raise ValueError("GeneralizedTime needs an aware datetime")
    text = moment.astimezone(UTC).strftime("%Y%m%d%H%M%SZ")
    return tlv(GENERALIZED_TIME, text.encode("ascii"))


def algorithm_identifier(dotted: str, *, null_parameters: bool = False) -> bytes:
    """AlgorithmIdentifier (RFC 5280 §4.1.1.2).

    RFC 5754 §2 says SHA-2 identifiers are generated with absent parameters and
    ECDSA ones too (RFC 5758 §3.2); RSA PKCS#1 v1.5 ones carry NULL (RFC 4055 §5).
    """
    parameters = tlv(NULL, b"") if null_parameters else b""
    return sequence(oid(dotted), parameters)
