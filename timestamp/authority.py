"""The embedded time-stamping authority (RFC 3161, with RFC 5816 for ESSCertIDv2).

This is the "dispositif d'horodatage du site" of R. 223-3-1 III of the Code de la
route: it certifies the date of deposit and consultation of each notification.

The token is a CMS SignedData (RFC 5652 §5) over a TSTInfo (RFC 3161 §2.4.2), with the
signed attributes contentType, messageDigest and signingCertificateV2 (RFC 5035 §3,
required by RFC 5816 §2.2.1 when the certificate hash is not SHA-1). We omit the
optional signingTime attribute: genTime is the one time a token certifies, and a
second date in the same structure would only invite confusion.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from datetime import UTC, datetime

from asn1crypto import core, tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from timestamp import der, oids
from timestamp.clock import Clock, SystemClock
from timestamp.pki import AuthorityFiles, PrivateKey
from timestamp.serials import SerialSource

log = logging.getLogger(__name__)

# PKIStatusInfo { status granted(0) } (RFC 3161 §2.4.2).
_GRANTED = der.sequence(der.integer(0))


class AuthorityError(RuntimeError):
    """The authority cannot issue a token now (clock, certificate, counter)."""


class _Refusal(Exception):
    """A request the authority answers with status rejection(2) (RFC 3161 §2.4.2)."""

    def __init__(self, fail_info: str, text: str) -> None:
        super().__init__(text)
        self.fail_info = fail_info
        self.text = text


def rejection(fail_info: str, text: str) -> bytes:
    """TimeStampResp with status rejection, a failInfo bit and a human-readable reason."""
    status = tsp.PKIStatusInfo(
        {"status": "rejection", "status_string": [text], "fail_info": {fail_info}}
    )
    return der.sequence(status.dump())


class Authority:
    """Issues RFC 3161 tokens signed with `key`, certified by `cert`.

    `chain_certs` are the other certificates of the chain (the TSA certificate itself
    may be listed too, as in chain.pem). Tokens embed the TSA certificate and the
    intermediate ones; self-signed roots are never embedded, because a verifier must
    get its trust anchors elsewhere.
    """

    def __init__(
        self,
        key: PrivateKey,
        cert: x509.Certificate,
        chain_certs: Iterable[x509.Certificate] = (),
        *,
        policy_oid: str,
        serials: SerialSource,
        clock: Clock | None = None,
    ) -> None:
        if key.public_key().public_numbers() != cert.public_key().public_numbers():
            raise ValueError("the private key does not match the TSA certificate")
        _require_time_stamping_profile(cert)
        self.cert = cert
        self.chain = tuple(c for c in chain_certs if c != cert)
        self.policy_oid = policy_oid
        self._key = key
        self._serials = serials
        self._clock: Clock = clock or SystemClock()
        self._not_before = cert.not_valid_before_utc
        self._not_after = cert.not_valid_after_utc

        if isinstance(key, rsa.RSAPrivateKey):
            self._hash = hashes.SHA256()
            signature_algorithm = der.algorithm_identifier(
                oids.SHA256_WITH_RSA, null_parameters=True
            )
        elif isinstance(key, ec.EllipticCurvePrivateKey):
            # The digest matches the curve's strength (RFC 5753 §7.1.1 / SEC 1).
            self._hash, ecdsa_oid = {
                "secp256r1": (hashes.SHA256(), oids.ECDSA_WITH_SHA256),
                "secp384r1": (hashes.SHA384(), oids.ECDSA_WITH_SHA384),
                "secp521r1": (hashes.SHA512(), oids.ECDSA_WITH_SHA512),
            }[key.curve.name]
            signature_algorithm = der.algorithm_identifier(ecdsa_oid)
        else:
            raise TypeError(f"unsupported TSA key type {type(key).__name__}")
        self._digest_name = self._hash.name
        digest_algorithm = der.algorithm_identifier(oids.HASH_OIDS[self._digest_name])
        self._signature_algorithm = signature_algorithm

        # Everything that does not change from one token to the next, encoded once.
        cert_der = cert.public_bytes(serialization.Encoding.DER)
        issuer_der = cert.issuer.public_bytes()
        self._imprint_algorithms = {
            name: der.algorithm_identifier(dotted) for name, dotted in oids.HASH_OIDS.items()
        }
        self._tst_prefix = der.integer(1) + der.oid(policy_oid)
        self._accuracy = der.sequence(der.integer(1))
        # tsa [0] GeneralName directoryName [4] (both explicit: GeneralName and Name are
        # CHOICEs), which lets a reader see which TSA issued the token without parsing CMS.
        self._tsa_name = der.tlv(
            der.context(0), der.tlv(der.context(4), cert.subject.public_bytes())
        )
        # ESSCertIDv2 with the default SHA-256 hash, whose AlgorithmIdentifier DER omits;
        # issuerSerial binds it to one certificate even if two share a key (RFC 5035 §4).
        issuer_serial = der.sequence(
            der.sequence(der.tlv(der.context(4), issuer_der)), der.integer(cert.serial_number)
        )
        ess_cert_id_v2 = der.sequence(
            der.octet_string(hashlib.sha256(cert_der).digest()), issuer_serial
        )
        self._signed_attribute_content_type = der.sequence(
            der.oid(oids.CONTENT_TYPE), der.set_of(der.oid(oids.TST_INFO))
        )
        self._signed_attribute_signing_certificate = der.sequence(
            der.oid(oids.SIGNING_CERTIFICATE_V2),
            der.set_of(der.sequence(der.sequence(ess_cert_id_v2))),
        )
        self._message_digest_oid = der.oid(oids.MESSAGE_DIGEST)
        self._signer_info_prefix = (
            der.integer(1)  # version 1: sid is issuerAndSerialNumber (RFC 5652 §5.3)
            + der.sequence(issuer_der, der.integer(cert.serial_number))
            + digest_algorithm
        )
        self._signed_data_prefix = (
            der.integer(3)  # version 3: eContentType is not id-data (RFC 5652 §5.1)
            + der.set_of(digest_algorithm)
        )
        self._encap_type = der.oid(oids.TST_INFO)
        embedded = [cert_der] + [
            c.public_bytes(serialization.Encoding.DER) for c in self.chain if c.issuer != c.subject
        ]
        # certificates [0] IMPLICIT CertificateSet.
        self._certificates = der.tlv(der.context(0), b"".join(sorted(embedded)))
        self._content_info_type = der.oid(oids.SIGNED_DATA)

    @classmethod
    def from_files(
        cls,
        files: AuthorityFiles,
        *,
        policy_oid: str,
        serials: SerialSource,
        clock: Clock | None = None,
    ) -> Authority:
        return cls(
            files.key, files.tsa, files.chain, policy_oid=policy_oid, serials=serials, clock=clock
        )

    def certificates_pem(self) -> bytes:
        """The TSA certificate followed by the rest of its chain, PEM (RFC 7468)."""
        return b"".join(
            c.public_bytes(serialization.Encoding.PEM) for c in (self.cert, *self.chain)
        )

    def timestamp(
        self,
        digest: bytes,
        hash_name: str = "sha256",
        nonce: int | None = None,
        cert_req: bool = True,
    ) -> bytes:
        """Token (ContentInfo DER) for a digest computed by the caller, in process.

        Raises ValueError for a hash other than SHA-256/384/512 or a digest of the
        wrong size, AuthorityError when no token can be issued now.
        """
        if hash_name not in oids.DIGEST_SIZES:
            raise ValueError(f"unsupported hash {hash_name!r}: use sha256, sha384 or sha512")
        if len(digest) != oids.DIGEST_SIZES[hash_name]:
            raise ValueError(
                f"a {hash_name} digest has {oids.DIGEST_SIZES[hash_name]} bytes, not {len(digest)}"
            )
        imprint = der.sequence(self._imprint_algorithms[hash_name], der.octet_string(digest))
        return self._token(imprint, nonce, cert_req)

    def respond(self, request_der: bytes) -> bytes:
        """TimeStampResp DER for a TimeStampReq DER (RFC 3161 §2.4.1-2.4.2).

        Never raises: bad requests get status rejection with the failInfo RFC 3161
        names, and an internal failure gets systemFailure.
        """
        try:
            imprint, nonce, cert_req = self._accept(request_der)
            return der.sequence(_GRANTED, self._token(imprint, nonce, cert_req))
        except _Refusal as refusal:
            return rejection(refusal.fail_info, refusal.text)
        except AuthorityError as exc:
            log.error("time-stamp request refused: %s", exc)
            return rejection("system_failure", str(exc))
        except Exception:
            log.exception("time-stamp request failed")
            return rejection("system_failure", "internal error of the time-stamping authority")

    def _accept(self, request_der: bytes) -> tuple[bytes, int | None, bool]:
        """Check a request; return its MessageImprint DER, nonce and certReq."""
        try:
            request = tsp.TimeStampReq.load(request_der, strict=True)
            # .native walks the whole structure: any encoding error surfaces here.
            _ = request.native
            version = request["version"].native
            imprint = request["message_imprint"]
            hash_oid = imprint["hash_algorithm"]["algorithm"].dotted
            parameters = imprint["hash_algorithm"]["parameters"]
            hashed = imprint["hashed_message"].native
            policy = request["req_policy"]
            nonce = request["nonce"].native
            cert_req = bool(request["cert_req"].native)
            extensions = request["extensions"]
        except Exception as exc:
            # asn1crypto reports malformed input with several exception types.
            raise _Refusal("bad_data_format", f"malformed TimeStampReq: {exc}") from exc
        if version != "v1":
            raise _Refusal("bad_data_format", f"unsupported TimeStampReq version {version}")
        if hash_oid not in oids.STRONG_HASHES:
            raise _Refusal(
                "bad_alg", f"hash algorithm {hash_oid} refused: only SHA-256, SHA-384, SHA-512"
            )
        if not isinstance(parameters, core.Void | core.Null):
            raise _Refusal("bad_alg", "hash AlgorithmIdentifier parameters must be absent or NULL")
        expected = oids.DIGEST_SIZES[oids.STRONG_HASHES[hash_oid]]
        if len(hashed) != expected:
            raise _Refusal(
                "bad_data_format", f"message imprint has {len(hashed)} bytes, {expected} expected"
            )
        if not isinstance(policy, core.Void) and policy.dotted != self.policy_oid:
            raise _Refusal(
                "unaccepted_policy",
                f"policy {policy.dotted} refused: this TSA uses {self.policy_oid}",
            )
        if not isinstance(extensions, core.Void) and len(extensions):
            raise _Refusal("unaccepted_extensions", "this TSA supports no request extension")
        # RFC 3161 §2.4.2: the messageImprint of the token is the one of the request.
        return imprint.dump(), nonce, cert_req

    def _now(self) -> datetime:
        moment = self._clock()
        if moment.tzinfo is None:
            raise AuthorityError("the clock returned a naive datetime")
        moment = moment.astimezone(UTC)
        if not self._not_before <= moment <= self._not_after:
            raise AuthorityError(
                f"the TSA certificate is not valid at {moment.isoformat()} "
                f"(valid {self._not_before.isoformat()} to {self._not_after.isoformat()})"
            )
        return moment

    def _token(self, imprint: bytes, nonce: int | None, cert_req: bool) -> bytes:
        gen_time = self._now()
        serial = self._serials.next_serial()
        tst_info = der.sequence(
            self._tst_prefix,
            imprint,
            der.integer(serial),
            der.generalized_time(gen_time),
            self._accuracy,
            b"" if nonce is None else der.integer(nonce),
            self._tsa_name,
        )
        message_digest = hashlib.new(self._digest_name, tst_info).digest()
        signed_attributes = der.set_of(
            self._signed_attribute_content_type,
            self._signed_attribute_signing_certificate,
            der.sequence(self._message_digest_oid, der.set_of(der.octet_string(message_digest))),
        )
        # The signature covers the attributes encoded as a SET (RFC 5652 §5.4); in the
        # SignerInfo they are tagged [0] IMPLICIT instead.
        signature = self._sign(signed_attributes)
        signer_info = der.sequence(
            self._signer_info_prefix,
            bytes((der.context(0),)) + signed_attributes[1:],
            self._signature_algorithm,
            der.octet_string(signature),
        )
        signed_data = der.sequence(
            self._signed_data_prefix,
            der.sequence(self._encap_type, der.tlv(der.context(0), der.octet_string(tst_info))),
            self._certificates if cert_req else b"",
            der.tlv(der.SET, signer_info),
        )
        return der.sequence(self._content_info_type, der.tlv(der.context(0), signed_data))

    def _sign(self, data: bytes) -> bytes:
        if isinstance(self._key, rsa.RSAPrivateKey):
            return self._key.sign(data, padding.PKCS1v15(), self._hash)
        return self._key.sign(data, ec.ECDSA(self._hash))


def _require_time_stamping_profile(cert: x509.Certificate) -> None:
    """Refuse to sign with a certificate whose tokens no strict verifier would accept."""
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound:
        raise ValueError("the TSA certificate has no extended key usage") from None
    if not eku.critical or list(eku.value) != [x509.ExtendedKeyUsageOID.TIME_STAMPING]:
        raise ValueError(
            "the TSA certificate must have one critical extended key usage, timeStamping "
            "(RFC 3161 §2.3)"
        )
