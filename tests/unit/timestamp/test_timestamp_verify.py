"""The strict verifier: each way a token can fail to prove its date has its own test."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from asn1crypto import algos, cms, tsp
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.x509.oid import ExtendedKeyUsageOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.timestamp.doubles import FixedClock
from timestamp import authority as authority_module
from timestamp import der, oids
from timestamp.authority import Authority, rejection
from timestamp.pki import generate_authority
from timestamp.serials import CounterSerials
from timestamp.verify import VerificationError, verify_token


def fails(reason: str, token: bytes, **kwargs) -> VerificationError:
    with pytest.raises(VerificationError) as caught:
        verify_token(token, **kwargs)
    assert caught.value.reason == reason, caught.value
    return caught.value


def tst_der_of(token: bytes) -> bytes:
    signed_data = cms.ContentInfo.load(token)["content"]
    return bytes(signed_data["encap_content_info"]["content"])


def edit_tst_info(token: bytes, field: str, value) -> bytes:
    """The token with one TSTInfo field changed and the signature left as it was."""
    original = tst_der_of(token)
    info = tsp.TSTInfo.load(original)
    info[field] = value
    changed = info.dump(force=True)
    assert len(changed) == len(original) and changed != original
    return token.replace(original, changed)


def authority_for(key, cert, clock, chain=(), monkeypatch=None) -> Authority:
    if monkeypatch is not None:
        # Stand in for a misconfigured or hostile TSA, which our own authority refuses to be.
        monkeypatch.setattr(authority_module, "_require_time_stamping_profile", lambda cert: None)
    return Authority(
        key, cert, chain, policy_oid=oids.TEST_POLICY, serials=CounterSerials(), clock=clock
    )


@pytest.fixture
def throwaway_ca(make_cert):
    key = ec.generate_private_key(ec.SECP256R1())
    return key, make_cert(subject="test CA", key=key, ca=True, eku=None)


def test_verifies_with_data_or_digest(authority, files, data, digest):
    token = authority.timestamp(digest)
    assert verify_token(token, data=data, trust_anchors=[files.root]).digest == digest
    assert verify_token(token, digest=digest, hash_name="sha256", trust_anchors=[files.root])


def test_needs_data_or_digest_and_an_anchor(ec_authority, ec_files, data, digest):
    token = ec_authority.timestamp(digest)
    with pytest.raises(ValueError):
        verify_token(token, trust_anchors=[ec_files.root])
    with pytest.raises(ValueError):
        verify_token(token, data=data, digest=digest, trust_anchors=[ec_files.root])
    with pytest.raises(ValueError):
        verify_token(token, data=data, trust_anchors=[])


def test_token_resigned_by_another_key_with_its_own_self_signed_certificate(
    ec_authority, ec_files, make_cert, clock, data, digest
):
    genuine = ec_authority.timestamp(digest)
    forger_key = ec.generate_private_key(ec.SECP256R1())
    forger_cert = make_cert(subject=ec_files.tsa.subject.rfc4514_string(), key=forger_key)
    forged = authority_for(forger_key, forger_cert, clock).timestamp(digest)
    verify_token(genuine, data=data, trust_anchors=[ec_files.root])
    # Everything in the forgery is consistent except that no trusted CA vouches for it.
    verify_token(forged, data=data, trust_anchors=[forger_cert])
    error = fails("chain", forged, data=data, trust_anchors=[ec_files.root])
    assert "not trusted by themselves" in str(error)


def test_impersonated_root_and_tsa_names(ec_authority, ec_files, make_cert, clock, data, digest):
    fake_root_key = ec.generate_private_key(ec.SECP256R1())
    fake_root = make_cert(
        subject=ec_files.root.subject.rfc4514_string(), key=fake_root_key, ca=True, eku=None
    )
    forger_key = ec.generate_private_key(ec.SECP256R1())
    forger_cert = make_cert(
        subject="CN=notify - horodatage",
        key=forger_key,
        issuer_cert=fake_root,
        issuer_key=fake_root_key,
    )
    forged = authority_for(forger_key, forger_cert, clock, [fake_root]).timestamp(digest)
    fails("chain", forged, data=data, trust_anchors=[ec_files.root])


def test_changed_gen_time(authority, files, data, digest):
    token = edit_tst_info(authority.timestamp(digest), "gen_time", datetime(2026, 3, 1, tzinfo=UTC))
    fails("message_digest", token, data=data, trust_anchors=[files.root])


def test_changed_serial(authority, files, data, digest):
    token = edit_tst_info(authority.timestamp(digest), "serial_number", 9)
    fails("message_digest", token, data=data, trust_anchors=[files.root])


def test_other_data(authority, files, digest):
    token = authority.timestamp(digest)
    fails("imprint", token, data=b"another decision", trust_anchors=[files.root])
    fails("imprint", token, digest=hashlib.sha256(b"x").digest(), trust_anchors=[files.root])
    fails("imprint", token, digest=digest, hash_name="sha512", trust_anchors=[files.root])


def test_wrong_nonce(ec_authority, ec_files, data, digest):
    fails(
        "nonce",
        ec_authority.timestamp(digest, nonce=1),
        data=data,
        nonce=2,
        trust_anchors=[ec_files.root],
    )
    fails(
        "nonce", ec_authority.timestamp(digest), data=data, nonce=2, trust_anchors=[ec_files.root]
    )


def test_changed_signature(authority, files, data, digest):
    token = authority.timestamp(digest)
    changed = token[:-1] + bytes([token[-1] ^ 0x01])
    fails("signature", changed, data=data, trust_anchors=[files.root])


def test_two_signer_infos(ec_authority, ec_files, data, digest):
    content_info = cms.ContentInfo.load(ec_authority.timestamp(digest))
    signer_info = content_info["content"]["signer_infos"][0]
    content_info["content"]["signer_infos"] = [signer_info, signer_info.copy()]
    fails("signer_count", content_info.dump(force=True), data=data, trust_anchors=[ec_files.root])


@pytest.mark.parametrize(
    ("eku", "critical", "expected"),
    [
        (None, True, "no extended key usage"),
        ([ExtendedKeyUsageOID.TIME_STAMPING], False, "not critical"),
        (
            [ExtendedKeyUsageOID.TIME_STAMPING, ExtendedKeyUsageOID.CODE_SIGNING],
            True,
            "not timeStamping only",
        ),
        ([ExtendedKeyUsageOID.CODE_SIGNING], True, "not timeStamping only"),
    ],
    ids=["no-eku", "non-critical", "extra-usage", "other-usage"],
)
def test_signer_without_the_time_stamping_eku(
    throwaway_ca, make_cert, clock, monkeypatch, eku, critical, expected, data, digest
):
    ca_key, ca_cert = throwaway_ca
    key = ec.generate_private_key(ec.SECP256R1())
    cert = make_cert(
        subject="TSA",
        key=key,
        issuer_cert=ca_cert,
        issuer_key=ca_key,
        eku=eku,
        eku_critical=critical,
    )
    token = authority_for(key, cert, clock, monkeypatch=monkeypatch).timestamp(digest)
    error = fails("eku", token, data=data, trust_anchors=[ca_cert])
    assert expected in str(error)


def test_chain_to_an_untrusted_root(generated, ec_authority, data, digest):
    fails("chain", ec_authority.timestamp(digest), data=data, trust_anchors=[generated["rsa"].root])


def test_issuer_that_is_not_a_ca(throwaway_ca, make_cert, clock, data, digest):
    ca_key, ca_cert = throwaway_ca
    middle_key = ec.generate_private_key(ec.SECP256R1())
    middle = make_cert(
        subject="not a CA", key=middle_key, issuer_cert=ca_cert, issuer_key=ca_key, eku=None
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = make_cert(subject="TSA", key=key, issuer_cert=middle, issuer_key=middle_key)
    token = authority_for(key, cert, clock, [middle]).timestamp(digest)
    assert "not a CA" in str(fails("chain", token, data=data, trust_anchors=[ca_cert]))


def test_chain_through_an_intermediate(throwaway_ca, make_cert, clock, data, digest):
    ca_key, ca_cert = throwaway_ca
    middle_key = ec.generate_private_key(ec.SECP256R1())
    middle = make_cert(
        subject="intermediate", key=middle_key, issuer_cert=ca_cert, issuer_key=ca_key, ca=True
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = make_cert(subject="TSA", key=key, issuer_cert=middle, issuer_key=middle_key)
    token = authority_for(key, cert, clock, [middle, ca_cert]).timestamp(digest)
    assert verify_token(token, data=data, trust_anchors=[ca_cert]).chain == (cert, middle, ca_cert)


def test_pinned_tsa_certificate_as_anchor(ec_authority, ec_files, data, digest):
    verified = verify_token(ec_authority.timestamp(digest), data=data, trust_anchors=[ec_files.tsa])
    assert verified.chain == (ec_files.tsa,)


def test_sha1_imprint_is_refused(ec_authority, ec_files, data):
    # The authority refuses SHA-1, so the imprint is put past its checks.
    imprint = der.sequence(
        der.algorithm_identifier(oids.SHA1), der.octet_string(hashlib.sha1(data).digest())
    )
    token = ec_authority._token(imprint, None, True)
    fails("weak_hash", token, data=data, trust_anchors=[ec_files.root])


def test_rejection_response(ec_files, data):
    response = rejection("bad_alg", "SHA-1 refused")
    error = fails("status", response, data=data, trust_anchors=[ec_files.root])
    assert "bad_alg" in str(error) and "SHA-1 refused" in str(error)


def test_granted_response_is_unwrapped(ec_authority, ec_files, data, digest):
    token = ec_authority.timestamp(digest)
    response = der.sequence(der.sequence(der.integer(0)), token)
    assert verify_token(response, data=data, trust_anchors=[ec_files.root]).token == token


@pytest.mark.parametrize("garbage", [b"", b"\x30", b"\x30\x05\x30\x03\x02\x01\x00", b"hello world"])
def test_garbage_is_malformed(ec_files, data, garbage):
    fails("malformed", garbage, data=data, trust_anchors=[ec_files.root])


def test_token_without_certificate(ec_authority, ec_files, data, digest):
    token = ec_authority.timestamp(digest, cert_req=False)
    fails("ess_cert_id", token, data=data, trust_anchors=[ec_files.root])
    verified = verify_token(
        token, data=data, trust_anchors=[ec_files.root], untrusted=[ec_files.tsa]
    )
    assert verified.signer == ec_files.tsa
    fails(
        "certificate_missing",
        token,
        data=data,
        trust_anchors=[ec_files.root],
        untrusted=[ec_files.tsa],
        require_cert_embedded=True,
    )


def test_embedded_certificate_swapped_for_a_sibling(ec_authority, ec_files, data, digest):
    """Another TSA certificate of the same root is not the one ESSCertIDv2 names."""
    from cryptography.hazmat.primitives.serialization import Encoding

    sibling = generate_authority(now=ec_files.tsa.not_valid_before_utc).tsa
    content_info = cms.ContentInfo.load(ec_authority.timestamp(digest))
    content_info["content"]["certificates"] = [
        cms.CertificateChoices.load(sibling.public_bytes(Encoding.DER))
    ]
    fails("ess_cert_id", content_info.dump(force=True), data=data, trust_anchors=[ec_files.root])


def test_verifiable_after_the_tsa_certificate_expired(data, digest):
    """genTime, not today, is when the certificates must have been valid (RFC 3161 §4.1)."""
    issued = datetime(2001, 1, 10, tzinfo=UTC)
    files = generate_authority(now=issued, root_years=2, tsa_years=1)
    clock = FixedClock(issued + timedelta(days=300))
    authority = Authority.from_files(
        files, policy_oid=oids.TEST_POLICY, serials=CounterSerials(), clock=clock
    )
    token = authority.timestamp(digest)
    assert files.tsa.not_valid_after_utc < datetime.now(UTC)
    assert verify_token(token, data=data, trust_anchors=[files.root]).gen_time == clock.moment


def test_gen_time_after_the_tsa_certificate_expired(data, digest):
    issued = datetime(2001, 1, 10, tzinfo=UTC)
    files = generate_authority(now=issued, tsa_years=1)
    clock = FixedClock(issued + timedelta(days=400))
    authority = Authority.from_files(
        files, policy_oid=oids.TEST_POLICY, serials=CounterSerials(), clock=clock
    )
    # Stand in for a TSA that ignores its certificate's end of validity.
    authority._not_after = datetime.max.replace(tzinfo=UTC)
    error = fails("validity", authority.timestamp(digest), data=data, trust_anchors=[files.root])
    assert "was not valid at genTime 2002-02-14" in str(error)


def test_gen_time_before_the_tsa_certificate(ec_files, data, digest):
    clock = FixedClock(ec_files.tsa.not_valid_before_utc - timedelta(days=1))
    authority = Authority.from_files(
        ec_files, policy_oid=oids.TEST_POLICY, serials=CounterSerials(), clock=clock
    )
    authority._not_before = datetime.min.replace(tzinfo=UTC)
    fails("validity", authority.timestamp(digest), data=data, trust_anchors=[ec_files.root])


def test_rsa_pss_signature_is_accepted(generated, clock, data, digest):
    files = generated["rsa"]
    authority = Authority.from_files(
        files, policy_oid=oids.TEST_POLICY, serials=CounterSerials(), clock=clock
    )
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
    authority._signature_algorithm = algos.SignedDigestAlgorithm(
        {
            "algorithm": "rsassa_pss",
            "parameters": {
                "hash_algorithm": {"algorithm": "sha256"},
                "mask_gen_algorithm": {
                    "algorithm": "mgf1",
                    "parameters": {"algorithm": "sha256"},
                },
                "salt_length": 32,
            },
        }
    ).dump()
    authority._sign = lambda signed: files.key.sign(signed, pss, hashes.SHA256())
    token = authority.timestamp(digest)
    algorithm = cms.ContentInfo.load(token)["content"]["signer_infos"][0]["signature_algorithm"]
    assert algorithm.signature_algo == "rsassa_pss"
    assert verify_token(token, data=data, trust_anchors=[files.root]).signer == files.tsa
    # And a PSS signature made with another salt length is not accepted as this one.
    authority._sign = lambda signed: files.key.sign(
        signed, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=20), hashes.SHA256()
    )
    fails("signature", authority.timestamp(digest), data=data, trust_anchors=[files.root])


@settings(max_examples=400, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(0, 2**16), st.integers(1, 255))
def test_a_changed_byte_never_proves_something_else(
    ec_authority, ec_files, data, digest, where, mask
):
    """Any one-byte change is refused with a VerificationError, never another exception.

    A few unsigned bytes (e.g. SignedData.version) can change without changing what the
    token proves; then the verified facts must be exactly those of the original.
    """
    token = ec_authority.timestamp(digest, nonce=5)
    original = verify_token(token, data=data, nonce=5, trust_anchors=[ec_files.root])
    position = where % len(token)
    changed = token[:position] + bytes([token[position] ^ mask]) + token[position + 1 :]
    try:
        verified = verify_token(changed, data=data, nonce=5, trust_anchors=[ec_files.root])
    except VerificationError:
        return
    assert (verified.gen_time, verified.serial, verified.digest, verified.signer) == (
        original.gen_time,
        original.serial,
        original.digest,
        original.signer,
    )
