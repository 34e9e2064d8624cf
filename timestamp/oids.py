"""Object identifiers used by the time-stamping service, with their sources."""

from __future__ import annotations

# RFC 5652 §5.1 (SignedData) and §11 (signed attributes).
SIGNED_DATA = "1.2.840.113549.1.7.2"
CONTENT_TYPE = "1.2.840.113549.1.9.3"
MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
SIGNING_TIME = "1.2.840.113549.1.9.5"

# RFC 3161 §2.4.2: the eContentType of a time-stamp token.
TST_INFO = "1.2.840.113549.1.9.16.1.4"

# RFC 2634 §5.4 (SigningCertificate, ESSCertID with SHA-1) and RFC 5035 §3
# (SigningCertificateV2, ESSCertIDv2), the latter required by RFC 5816 for SHA-2.
SIGNING_CERTIFICATE = "1.2.840.113549.1.9.16.2.12"
SIGNING_CERTIFICATE_V2 = "1.2.840.113549.1.9.16.2.47"

# RFC 5280 §4.2.1.12: id-kp-timeStamping.
TIME_STAMPING = "1.3.6.1.5.5.7.3.8"

# Hash functions (RFC 5754 §2, RFC 3279 §2.2.1).
SHA1 = "1.3.14.3.2.26"
SHA256 = "2.16.840.1.101.3.4.2.1"
SHA384 = "2.16.840.1.101.3.4.2.2"
SHA512 = "2.16.840.1.101.3.4.2.3"

# Signature algorithms (RFC 5754 §3, RFC 5758 §3.2, RFC 4055 §3).
RSA_ENCRYPTION = "1.2.840.113549.1.1.1"
SHA256_WITH_RSA = "1.2.840.113549.1.1.11"
SHA384_WITH_RSA = "1.2.840.113549.1.1.12"
SHA512_WITH_RSA = "1.2.840.113549.1.1.13"
ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2"
ECDSA_WITH_SHA384 = "1.2.840.10045.4.3.3"
ECDSA_WITH_SHA512 = "1.2.840.10045.4.3.4"

# Hashes accepted for message imprints and signatures: SHA-2 only. SHA-1 collisions
# are practical (SHAttered, 2017), so an imprint made with it proves nothing.
STRONG_HASHES = {SHA256: "sha256", SHA384: "sha384", SHA512: "sha512"}
HASH_OIDS = {name: dotted for dotted, name in STRONG_HASHES.items()}
DIGEST_SIZES = {"sha256": 32, "sha384": 48, "sha512": 64}

# RFC 7229 §2 id-TEST-certPolicyOne: a policy OID reserved for tests. The deployed TSA
# must be configured with the OID of its own published policy (ETSI EN 319 421 §5.2).
TEST_POLICY = "1.3.6.1.5.5.7.13.1"
