"""Strict, offline verification of RFC 3161 time-stamp tokens.

This is how the date "certifiée par le dispositif d'horodatage du site" (R. 223-3-1 III
of the Code de la route) is proven years later: from the token, the data, and trust
anchors kept out of band, with no network. The checks follow RFC 3161 §2.4.2 and
§2.3, RFC 5652 §5.4 and §11, RFC 5035 / RFC 5816 for ESSCertID(v2), and RFC 5280 §6
for the certificate path, which is validated at the token's genTime so that a token
stays verifiable after the TSA certificate has expired (the assumption, not stated by
the texts, is that the TSA key was not compromised before its certificate expired;
revocation is not checked, since no CRL or OCSP source is kept).

Nothing is trusted because it is in the token: embedded certificates only help to find
a path to one of the caller's trust anchors.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from asn1crypto import cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID

from timestamp import der, oids

_MAX_CHAIN_LENGTH = 6
_ESS_HASHES = {"sha1", "sha256", "sha384", "sha512"}  # for identification only
_CERTIFICATE_HASHES = {"sha256", "sha384", "sha512"}
_UNDERSTOOD_CRITICAL_EXTENSIONS = {
    ExtensionOID.BASIC_CONSTRAINTS,
    ExtensionOID.KEY_USAGE,
    ExtensionOID.EXTENDED_KEY_USAGE,
    ExtensionOID.SUBJECT_KEY_IDENTIFIER,
    ExtensionOID.AUTHORITY_KEY_IDENTIFIER,
}


class VerificationError(Exception):
    """The token does not prove what it claims. `reason` is a stable code:

    malformed, status, content_type, signer_count, signed_attributes, weak_hash,
    message_digest, imprint, nonce, tsa_name, extensions, ess_cert_id, signer_id,
    certificate_missing, signature, eku, key_usage, chain, validity; and policy,
    raised by RemoteClient when a token is not under the expected policy.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class VerifiedToken:
    token: bytes  # the ContentInfo DER, also when a whole response was given
    gen_time: datetime  # aware, UTC
    serial: int
    policy_oid: str
    hash_name: str
    digest: bytes
    nonce: int | None
    accuracy: timedelta | None
    signer: x509.Certificate
    chain: tuple[x509.Certificate, ...]  # signer first, trust anchor last


class _Response(core.Sequence):
    # tsp.TimeStampResp declares the token mandatory; a rejection has none.
    _fields = [
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


def verify_token(
    token_or_response_der: bytes,
    *,
    data: bytes | None = None,
    digest: bytes | None = None,
    hash_name: str | None = None,
    nonce: int | None = None,
    trust_anchors: Sequence[x509.Certificate],
    untrusted: Sequence[x509.Certificate] = (),
    require_cert_embedded: bool = False,
) -> VerifiedToken:
    """Verify a TimeStampToken, or a TimeStampResp holding one, against `data` or `digest`.

    `trust_anchors` are the only certificates trusted; `untrusted` may supply the TSA
    certificate (tokens requested without certReq) and intermediates. Raises
    VerificationError on the first failed check.
    """
    if (data is None) == (digest is None):
        raise ValueError("pass exactly one of data or digest")
    if not trust_anchors:
        raise ValueError("at least one trust anchor is needed")
    try:
        return _verify(
            token_or_response_der,
            data=data,
            digest=digest,
            hash_name=hash_name,
            nonce=nonce,
            trust_anchors=trust_anchors,
            untrusted=untrusted,
            require_cert_embedded=require_cert_embedded,
        )
    except VerificationError:
        raise
    except (
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        AttributeError,
        OverflowError,
        UnsupportedAlgorithm,
        x509.InvalidVersion,
    ) as exc:
        # asn1crypto parses lazily, so a malformed part surfaces where it is first read.
        raise VerificationError("malformed", f"the token cannot be decoded: {exc}") from exc


def _verify(
    token_or_response_der: bytes,
    *,
    data: bytes | None,
    digest: bytes | None,
    hash_name: str | None,
    nonce: int | None,
    trust_anchors: Sequence[x509.Certificate],
    untrusted: Sequence[x509.Certificate],
    require_cert_embedded: bool,
) -> VerifiedToken:
    token = _unwrap_response(token_or_response_der)
    signed_data, tst_der = _parse_signed_data(token)

    signer_infos = signed_data["signer_infos"]
    if len(signer_infos) != 1:
        raise VerificationError(
            "signer_count", f"a token has exactly one SignerInfo, this one has {len(signer_infos)}"
        )
    signer_info = signer_infos[0]
    # Read the signed bytes before anything else: once asn1crypto has decoded the
    # attributes it may re-encode them instead of returning the bytes as received.
    signed_attrs = signer_info["signed_attrs"]
    if isinstance(signed_attrs, core.Void):
        raise VerificationError(
            "signed_attributes", "no signed attributes: RFC 3161 requires signingCertificate"
        )
    signed_bytes = der.tlv(der.SET, signed_attrs.contents)
    digest_name = _strong_hash(signer_info["digest_algorithm"]["algorithm"].dotted, "signer digest")
    attributes = _signed_attributes(signer_info)
    _check_content_type_attribute(attributes)
    _check_message_digest_attribute(attributes, tst_der, digest_name)

    tst_info = _parse(tsp.TSTInfo, tst_der, "TSTInfo")
    fields = _check_tst_info(tst_info, data=data, digest=digest, hash_name=hash_name, nonce=nonce)

    embedded = _embedded_certificates(signed_data)
    candidates = _unique([*embedded, *untrusted, *trust_anchors])
    signer = _identify_signer(attributes, signer_info["sid"], candidates)
    if require_cert_embedded and signer not in embedded:
        raise VerificationError(
            "certificate_missing", "the TSA certificate is not embedded in the token"
        )
    _check_signature(signer_info, signed_bytes, signer, digest_name)
    _check_tsa_name(tst_info, signer)
    _check_time_stamping_usage(signer)
    gen_time = fields["gen_time"]
    chain = _build_chain(signer, _unique([*embedded, *untrusted]), trust_anchors, gen_time)
    return VerifiedToken(token=token, signer=signer, chain=chain, **fields)


def _parse(
    spec: type[core.Asn1Value], encoded: bytes, what: str, *, walk: bool = True
) -> core.Asn1Value:
    try:
        value = spec.load(encoded, strict=True)
        if walk:  # decode everything now, so encoding errors surface here
            _ = value.native
    except Exception as exc:
        # asn1crypto reports malformed input with several exception types.
        raise VerificationError("malformed", f"{what} cannot be decoded: {exc}") from exc
    return value


def _unwrap_response(encoded: bytes) -> bytes:
    """The token itself, from either a token (ContentInfo) or a TimeStampResp."""
    if _first_inner_tag(encoded) == der.OID:  # ContentInfo starts with contentType
        return encoded
    response = _parse(_Response, encoded, "TimeStampResp", walk=False)
    status = response["status"]["status"].native
    if status not in ("granted", "granted_with_mods"):
        text = response["status"]["status_string"].native or []
        fail_info = response["status"]["fail_info"].native or set()
        raise VerificationError(
            "status",
            f"the TSA answered {status} ({', '.join(sorted(fail_info)) or 'no failInfo'}): "
            f"{' '.join(text) or 'no text'}",
        )
    token = response["time_stamp_token"]
    if isinstance(token, core.Void):
        raise VerificationError("malformed", f"status {status} but no token in the response")
    return token.dump()


def _first_inner_tag(encoded: bytes) -> int | None:
    if len(encoded) < 3 or encoded[0] != der.SEQUENCE:
        raise VerificationError("malformed", "neither a TimeStampToken nor a TimeStampResp")
    first = encoded[1]
    offset = 2 if first < 0x80 else 2 + (first & 0x7F)
    return encoded[offset] if offset < len(encoded) else None


def _parse_signed_data(token: bytes) -> tuple[cms.SignedData, bytes]:
    # Not walked: asn1crypto's .native is slow on certificates (20 ms a token); parts
    # are decoded when read, and decoding errors become "malformed" in verify_token.
    content_info = _parse(cms.ContentInfo, token, "TimeStampToken", walk=False)
    if content_info["content_type"].dotted != oids.SIGNED_DATA:
        raise VerificationError(
            "content_type", f"the token is {content_info['content_type'].dotted}, not SignedData"
        )
    signed_data = content_info["content"]
    encapsulated = signed_data["encap_content_info"]
    if encapsulated["content_type"].dotted != oids.TST_INFO:
        raise VerificationError(
            "content_type",
            f"the signed content is {encapsulated['content_type'].dotted}, not TSTInfo",
        )
    if isinstance(encapsulated["content"], core.Void):
        raise VerificationError("malformed", "the SignedData has no encapsulated TSTInfo")
    return signed_data, bytes(encapsulated["content"])


def _strong_hash(dotted: str, what: str) -> str:
    name = oids.STRONG_HASHES.get(dotted)
    if name is None:
        label = "SHA-1" if dotted == oids.SHA1 else dotted
        raise VerificationError(
            "weak_hash", f"{what} uses {label}; only SHA-256, SHA-384 and SHA-512 are accepted"
        )
    return name


def _signed_attributes(signer_info: cms.SignerInfo) -> dict[str, cms.CMSAttribute]:
    attributes: dict[str, cms.CMSAttribute] = {}
    signed_attrs = signer_info["signed_attrs"]
    for attribute in signed_attrs:
        dotted = attribute["type"].dotted
        if dotted in attributes:
            raise VerificationError("signed_attributes", f"attribute {dotted} appears twice")
        if dotted in (oids.CONTENT_TYPE, oids.MESSAGE_DIGEST) and len(attribute["values"]) != 1:
            raise VerificationError("signed_attributes", f"attribute {dotted} must have one value")
        attributes[dotted] = attribute
    return attributes


def _check_content_type_attribute(attributes: dict[str, cms.CMSAttribute]) -> None:
    attribute = attributes.get(oids.CONTENT_TYPE)
    if attribute is None:
        raise VerificationError("content_type", "the contentType signed attribute is missing")
    if attribute["values"][0].dotted != oids.TST_INFO:
        raise VerificationError(
            "content_type", "the contentType signed attribute is not id-ct-TSTInfo"
        )


def _check_message_digest_attribute(
    attributes: dict[str, cms.CMSAttribute], tst_der: bytes, digest_name: str
) -> None:
    attribute = attributes.get(oids.MESSAGE_DIGEST)
    if attribute is None:
        raise VerificationError("message_digest", "the messageDigest signed attribute is missing")
    if attribute["values"][0].native != hashlib.new(digest_name, tst_der).digest():
        raise VerificationError(
            "message_digest",
            "the TSTInfo was changed after signing (messageDigest does not match its hash)",
        )


def _check_tst_info(
    tst_info: tsp.TSTInfo,
    *,
    data: bytes | None,
    digest: bytes | None,
    hash_name: str | None,
    nonce: int | None,
) -> dict:
    if tst_info["version"].native != "v1":
        raise VerificationError("malformed", f"TSTInfo version {tst_info['version'].native}")
    imprint = tst_info["message_imprint"]
    imprint_hash = _strong_hash(imprint["hash_algorithm"]["algorithm"].dotted, "the imprint")
    hashed = imprint["hashed_message"].native
    if hash_name is not None and hash_name != imprint_hash:
        raise VerificationError(
            "imprint", f"the token's imprint is {imprint_hash}, {hash_name} was expected"
        )
    expected = hashlib.new(imprint_hash, data).digest() if data is not None else digest
    if hashed != expected:
        raise VerificationError("imprint", "the token was not issued for this data")
    token_nonce = tst_info["nonce"].native
    if nonce is not None and token_nonce != nonce:
        raise VerificationError(
            "nonce", f"nonce {token_nonce} in the token, {nonce} was sent (replayed answer?)"
        )
    extensions = tst_info["extensions"]
    if not isinstance(extensions, core.Void):
        for extension in extensions:
            if extension["critical"].native:
                raise VerificationError(
                    "extensions",
                    f"unknown critical TSTInfo extension {extension['extn_id'].dotted}",
                )
    gen_time = tst_info["gen_time"].native
    if not isinstance(gen_time, datetime) or gen_time.tzinfo is None:
        raise VerificationError("malformed", f"genTime {gen_time!r} is not a UTC time")
    return {
        "gen_time": gen_time,
        "serial": tst_info["serial_number"].native,
        "policy_oid": tst_info["policy"].dotted,
        "hash_name": imprint_hash,
        "digest": hashed,
        "nonce": token_nonce,
        "accuracy": _accuracy(tst_info["accuracy"]),
    }


def _accuracy(accuracy: tsp.Accuracy | core.Void) -> timedelta | None:
    if isinstance(accuracy, core.Void):
        return None
    return timedelta(
        seconds=accuracy["seconds"].native or 0,
        milliseconds=accuracy["millis"].native or 0,
        microseconds=accuracy["micros"].native or 0,
    )


def _embedded_certificates(signed_data: cms.SignedData) -> list[x509.Certificate]:
    certificates = signed_data["certificates"]
    if isinstance(certificates, core.Void):
        return []
    found = []
    for choice in certificates:
        if choice.name != "certificate":
            continue  # attribute and other certificate formats play no part here
        if choice.chosen["tbs_certificate"]["serial_number"].native <= 0:
            # RFC 5280 §4.1.2.2; cryptography would only warn, and later refuse.
            raise VerificationError("malformed", "embedded certificate with a serial number <= 0")
        try:
            found.append(x509.load_der_x509_certificate(choice.chosen.dump()))
        except (ValueError, x509.InvalidVersion) as exc:
            raise VerificationError("malformed", f"embedded certificate: {exc}") from exc
    return found


def _unique(certificates: Sequence[x509.Certificate]) -> list[x509.Certificate]:
    unique: list[x509.Certificate] = []
    for certificate in certificates:
        if certificate not in unique:
            unique.append(certificate)
    return unique


def _same_name(asn1_name: asn1_x509.Name, name: x509.Name) -> bool:
    """Equal DER, or equal after the RFC 5280 §7.1 comparison rules (slower)."""
    encoded = name.public_bytes()
    return asn1_name.dump() == encoded or asn1_name == asn1_x509.Name.load(encoded)


def _identify_signer(
    attributes: dict[str, cms.CMSAttribute],
    sid: cms.SignerIdentifier,
    candidates: list[x509.Certificate],
) -> x509.Certificate:
    """The certificate the signed attributes name (RFC 3161 §2.4.1, RFC 5816 §2.2.1)."""
    cert_ids = []
    for dotted in (oids.SIGNING_CERTIFICATE_V2, oids.SIGNING_CERTIFICATE):
        attribute = attributes.get(dotted)
        if attribute is not None:
            if len(attribute["values"]) != 1:
                raise VerificationError("ess_cert_id", f"attribute {dotted} must have one value")
            # The first ESSCertID identifies the signer; others, if any, its chain.
            cert_ids.append(attribute["values"][0]["certs"][0])
    if not cert_ids:
        raise VerificationError(
            "ess_cert_id", "neither signingCertificate nor signingCertificateV2 is signed"
        )
    matches = [c for c in candidates if all(_matches_cert_id(c, cert_id) for cert_id in cert_ids)]
    if not matches:
        raise VerificationError(
            "ess_cert_id",
            "the certificate named by ESSCertID is neither in the token nor supplied",
        )
    signer = matches[0]
    if not _matches_sid(signer, sid):
        raise VerificationError(
            "signer_id", "the SignerInfo identifier does not designate the ESSCertID certificate"
        )
    return signer


def _matches_cert_id(certificate: x509.Certificate, cert_id: core.Sequence) -> bool:
    if isinstance(cert_id, tsp.ESSCertIDv2):
        hash_name = cert_id["hash_algorithm"]["algorithm"].native
    else:
        hash_name = "sha1"
    if hash_name not in _ESS_HASHES:
        raise VerificationError("ess_cert_id", f"ESSCertID hash {hash_name} is not supported")
    cert_der = certificate.public_bytes(serialization.Encoding.DER)
    if hashlib.new(hash_name, cert_der).digest() != cert_id["cert_hash"].native:
        return False
    issuer_serial = cert_id["issuer_serial"]
    if isinstance(issuer_serial, core.Void):
        return True
    if issuer_serial["serial_number"].native != certificate.serial_number:
        return False
    return any(
        name.name == "directory_name" and _same_name(name.chosen.untag(), certificate.issuer)
        for name in issuer_serial["issuer"]
    )


def _matches_sid(certificate: x509.Certificate, sid: cms.SignerIdentifier) -> bool:
    if sid.name == "issuer_and_serial_number":
        issuer_and_serial = sid.chosen
        return issuer_and_serial[
            "serial_number"
        ].native == certificate.serial_number and _same_name(
            issuer_and_serial["issuer"], certificate.issuer
        )
    try:
        ski = certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    except x509.ExtensionNotFound:
        return False
    return ski.value.digest == sid.chosen.native


def _check_signature(
    signer_info: cms.SignerInfo, signed_bytes: bytes, signer: x509.Certificate, digest_name: str
) -> None:
    """RFC 5652 §5.4: the signature covers the DER of the signed attributes as a SET."""
    signature = signer_info["signature"].native
    algorithm = signer_info["signature_algorithm"]
    kind = algorithm.signature_algo
    try:
        hash_name = algorithm.hash_algo
    except ValueError:
        hash_name = digest_name  # rsaEncryption: the hash is the SignerInfo's digest
    if hash_name not in oids.DIGEST_SIZES:
        raise VerificationError("weak_hash", f"the signature uses {hash_name}")
    chosen_hash = _hash(hash_name)
    key = signer.public_key()
    try:
        if kind == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, signed_bytes, padding.PKCS1v15(), chosen_hash)
        elif kind == "rsassa_pss" and isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, signed_bytes, _pss_padding(algorithm), chosen_hash)
        elif kind == "ecdsa" and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, signed_bytes, ec.ECDSA(chosen_hash))
        else:
            raise VerificationError(
                "signature", f"signature algorithm {kind} does not fit a {type(key).__name__}"
            )
    except InvalidSignature:
        raise VerificationError(
            "signature", "the signature does not verify with the TSA certificate's key"
        ) from None


def _hash(name: str) -> hashes.HashAlgorithm:
    return {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}[name]()


def _pss_padding(algorithm: cms.SignedDigestAlgorithm) -> padding.PSS:
    parameters = algorithm["parameters"]
    mask = parameters["mask_gen_algorithm"]
    if mask["algorithm"].native != "mgf1":
        raise VerificationError("signature", f"PSS mask generation {mask['algorithm'].native}")
    mgf_hash = mask["parameters"]["algorithm"].native
    if mgf_hash not in oids.DIGEST_SIZES:
        raise VerificationError("weak_hash", f"the PSS mask generation uses {mgf_hash}")
    if parameters["trailer_field"].native != "trailer_field_bc":
        raise VerificationError("signature", "PSS trailer field must be 1 (RFC 4055 §3.1)")
    return padding.PSS(
        mgf=padding.MGF1(_hash(mgf_hash)), salt_length=parameters["salt_length"].native
    )


def _check_tsa_name(tst_info: tsp.TSTInfo, signer: x509.Certificate) -> None:
    """RFC 3161 §2.4.2: when present, tsa names the subject of the TSA certificate."""
    tsa = tst_info["tsa"]
    if isinstance(tsa, core.Void) or tsa.name != "directory_name":
        return
    if not _same_name(tsa.chosen.untag(), signer.subject):
        raise VerificationError(
            "tsa_name",
            f"the token names {tsa.chosen.human_friendly} but was signed by "
            f"{signer.subject.rfc4514_string()}",
        )


def _check_time_stamping_usage(signer: x509.Certificate) -> None:
    """RFC 3161 §2.3: one extended key usage, id-kp-timeStamping, critical."""
    try:
        eku = signer.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound:
        raise VerificationError("eku", "the TSA certificate has no extended key usage") from None
    if not eku.critical:
        raise VerificationError("eku", "the TSA certificate's extended key usage is not critical")
    if list(eku.value) != [ExtendedKeyUsageOID.TIME_STAMPING]:
        usages = ", ".join(usage.dotted_string for usage in eku.value)
        raise VerificationError(
            "eku", f"the TSA certificate allows {usages}, not timeStamping only"
        )
    try:
        key_usage = signer.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return
    if not (key_usage.digital_signature or key_usage.content_commitment):
        raise VerificationError(
            "key_usage", "the TSA certificate's key usage allows neither signature nor commitment"
        )


def _build_chain(
    signer: x509.Certificate,
    intermediates: list[x509.Certificate],
    trust_anchors: Sequence[x509.Certificate],
    at: datetime,
) -> tuple[x509.Certificate, ...]:
    """A path from the signer to a trust anchor, every link valid at genTime (RFC 5280 §6).

    Paths are built greedily, trying the anchors first; that suffices for the simple
    hierarchies a TSA uses (no cross-certification).
    """
    path = [signer]
    current = signer
    while True:
        _check_certificate(current, at, leaf=current is signer)
        if current in trust_anchors:  # a pinned TSA certificate, or an anchor reached
            return tuple(path)
        issuer = next((a for a in trust_anchors if _issued_by(current, a)), None) or next(
            (c for c in intermediates if c not in path and _issued_by(current, c)), None
        )
        if issuer is None:
            raise VerificationError(
                "chain",
                f"no trusted issuer for {current.subject.rfc4514_string()} "
                f"(issued by {current.issuer.rfc4514_string()}); embedded certificates "
                "are not trusted by themselves",
            )
        _check_issuer(issuer, intermediates_below=len(path) - 1)
        path.append(issuer)
        if len(path) > _MAX_CHAIN_LENGTH:
            raise VerificationError("chain", f"no path shorter than {_MAX_CHAIN_LENGTH}")
        current = issuer


def _issued_by(child: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        child.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    hash_algorithm = child.signature_hash_algorithm
    if hash_algorithm is not None and hash_algorithm.name not in _CERTIFICATE_HASHES:
        raise VerificationError(
            "weak_hash", f"{child.subject.rfc4514_string()} is signed with {hash_algorithm.name}"
        )
    return True


def _check_certificate(certificate: x509.Certificate, at: datetime, *, leaf: bool) -> None:
    subject = certificate.subject.rfc4514_string()
    if not certificate.not_valid_before_utc <= at <= certificate.not_valid_after_utc:
        raise VerificationError(
            "validity",
            f"{subject} was not valid at genTime {at.isoformat()} (valid "
            f"{certificate.not_valid_before_utc.isoformat()} to "
            f"{certificate.not_valid_after_utc.isoformat()})",
        )
    for extension in certificate.extensions:
        if extension.critical and extension.oid not in _UNDERSTOOD_CRITICAL_EXTENSIONS:
            raise VerificationError(
                "chain",
                f"{subject} has an unsupported critical extension {extension.oid.dotted_string}",
            )
    if not leaf:
        # A CA restricted by extended key usage must allow time-stamping below it.
        try:
            eku = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        except x509.ExtensionNotFound:
            return
        if not {
            ExtendedKeyUsageOID.TIME_STAMPING,
            ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE,
        } & set(eku):
            raise VerificationError("eku", f"{subject} does not allow time-stamping below it")


def _check_issuer(issuer: x509.Certificate, *, intermediates_below: int) -> None:
    subject = issuer.subject.rfc4514_string()
    try:
        constraints = issuer.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        raise VerificationError("chain", f"{subject} is not a CA (no basicConstraints)") from None
    if not constraints.ca:
        raise VerificationError("chain", f"{subject} is not a CA")
    if constraints.path_length is not None and intermediates_below > constraints.path_length:
        raise VerificationError("chain", f"{subject} allows {constraints.path_length} CAs below it")
    try:
        key_usage = issuer.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return
    if not key_usage.key_cert_sign:
        raise VerificationError("chain", f"{subject} may not sign certificates (keyCertSign)")
