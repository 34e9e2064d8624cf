"""The embedded TSA: tokens per RFC 3161 / RFC 5816, and refusals per RFC 3161 §2.4.2."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
import rfc3161ng
from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import Encoding
from hypothesis import given, settings
from hypothesis import strategies as st

from timestamp import oids
from timestamp.authority import Authority, AuthorityError
from timestamp.serials import CounterSerials
from timestamp.verify import verify_token

# The same values as the conftest's `data`, `digest` and `clock` fixtures.
ISSUED_AT = datetime(2026, 3, 2, 10, 15, 30, tzinfo=UTC)
DATA = "Décision 48 SI : retrait de 3 points".encode()
DIGEST = hashlib.sha256(DATA).digest()


def request(
    digest: bytes = DIGEST,
    hash_algorithm: str = "sha256",
    *,
    nonce: int | None = None,
    cert_req: bool = True,
    policy: str | None = None,
    extensions: list | None = None,
) -> bytes:
    fields = {
        "version": "v1",
        "message_imprint": {
            "hash_algorithm": {"algorithm": hash_algorithm},
            "hashed_message": digest,
        },
        "cert_req": cert_req,
    }
    if nonce is not None:
        fields["nonce"] = nonce
    if policy is not None:
        fields["req_policy"] = policy
    if extensions is not None:
        fields["extensions"] = extensions
    return tsp.TimeStampReq(fields).dump()


def status_of(response: bytes) -> tuple[str, set]:
    status = tsp.PKIStatusInfo.load(core.Sequence.load(response)[0].dump())
    return status["status"].native, status["fail_info"].native or set()


def tst_info_of(token: bytes) -> tsp.TSTInfo:
    signed_data = cms.ContentInfo.load(token)["content"]
    return tsp.TSTInfo.load(bytes(signed_data["encap_content_info"]["content"]))


def test_token_fields(authority, files, clock):
    token = authority.timestamp(DIGEST, nonce=12345)
    info = tst_info_of(token)
    assert info["version"].native == "v1"
    assert info["policy"].dotted == oids.TEST_POLICY
    assert info["message_imprint"]["hash_algorithm"]["algorithm"].native == "sha256"
    assert info["message_imprint"]["hashed_message"].native == DIGEST
    assert info["serial_number"].native == 1
    assert info["gen_time"].native == ISSUED_AT
    assert info["accuracy"]["seconds"].native == 1
    assert info["nonce"].native == 12345
    assert info["tsa"].chosen == asn1_x509.Name.load(files.tsa.subject.public_bytes())


def test_round_trip(authority, files):
    verified = verify_token(
        authority.timestamp(DIGEST, nonce=7), data=DATA, nonce=7, trust_anchors=[files.root]
    )
    assert verified.gen_time == ISSUED_AT and verified.gen_time.tzinfo is not None
    assert verified.serial == 1
    assert verified.policy_oid == oids.TEST_POLICY
    assert (verified.hash_name, verified.digest, verified.nonce) == ("sha256", DIGEST, 7)
    assert verified.accuracy == timedelta(seconds=1)
    assert verified.signer == files.tsa
    assert verified.chain == (files.tsa, files.root)


def test_signed_attributes_and_signature_algorithm(authority, algorithm):
    signer_info = cms.ContentInfo.load(authority.timestamp(DIGEST))["content"]["signer_infos"][0]
    types = {attribute["type"].dotted for attribute in signer_info["signed_attrs"]}
    assert types == {oids.CONTENT_TYPE, oids.MESSAGE_DIGEST, oids.SIGNING_CERTIFICATE_V2}
    expected = "sha256_ecdsa" if algorithm == "ec" else "sha256_rsa"
    assert signer_info["signature_algorithm"]["algorithm"].native == expected


@pytest.mark.parametrize("hash_name", ["sha256", "sha384", "sha512"])
def test_sha2_imprints(ec_authority, ec_files, hash_name):
    digest = hashlib.new(hash_name, DATA).digest()
    verified = verify_token(
        ec_authority.timestamp(digest, hash_name), data=DATA, trust_anchors=[ec_files.root]
    )
    assert verified.hash_name == hash_name


def test_gen_time_is_whole_seconds_in_utc(ec_authority, clock):
    from zoneinfo import ZoneInfo

    clock.moment = datetime(2026, 7, 14, 12, 0, 5, 987654, tzinfo=ZoneInfo("Europe/Paris"))
    assert tst_info_of(ec_authority.timestamp(DIGEST))["gen_time"].native == datetime(
        2026, 7, 14, 10, 0, 5, tzinfo=UTC
    )


def test_serials_increase(ec_authority):
    serials = [
        tst_info_of(ec_authority.timestamp(DIGEST))["serial_number"].native for _ in range(5)
    ]
    assert serials == [1, 2, 3, 4, 5]


def test_cert_req_false_embeds_no_certificate(ec_authority):
    signed_data = cms.ContentInfo.load(ec_authority.timestamp(DIGEST, cert_req=False))["content"]
    assert isinstance(signed_data["certificates"], core.Void)


def test_root_is_never_embedded(authority, files):
    signed_data = cms.ContentInfo.load(authority.timestamp(DIGEST))["content"]
    embedded = [c.chosen.dump() for c in signed_data["certificates"]]
    assert embedded == [files.tsa.public_bytes(Encoding.DER)]


def test_respond_grants_and_echoes_the_nonce(authority, files):
    response = authority.respond(request(nonce=2**70 + 3))
    assert status_of(response) == ("granted", set())
    verified = verify_token(response, digest=DIGEST, nonce=2**70 + 3, trust_anchors=[files.root])
    assert verified.nonce == 2**70 + 3


def test_respond_accepts_rfc3161ng_requests(ec_authority, ec_files):
    built = rfc3161ng.make_timestamp_request(
        digest=DIGEST, hashname="sha256", include_tsa_certificate=True, nonce=99
    )
    response = ec_authority.respond(rfc3161ng.encode_timestamp_request(built))
    assert verify_token(response, data=DATA, nonce=99, trust_anchors=[ec_files.root]).nonce == 99


def test_respond_accepts_our_policy(ec_authority):
    assert status_of(ec_authority.respond(request(policy=oids.TEST_POLICY)))[0] == "granted"


def test_respond_accepts_null_hash_parameters(ec_authority):
    # asn1crypto writes NULL parameters for SHA-256; RFC 5754 §2 says accept both forms.
    assert algos.DigestAlgorithm({"algorithm": "sha256"})["parameters"].native is None
    assert status_of(ec_authority.respond(request()))[0] == "granted"


def test_sha1_request_is_refused_with_bad_alg(ec_authority):
    response = ec_authority.respond(request(hashlib.sha1(DATA).digest(), "sha1"))
    assert status_of(response) == ("rejection", {"bad_alg"})


def test_unknown_hash_oid_is_refused_with_bad_alg(ec_authority):
    response = ec_authority.respond(request(DIGEST, "1.2.3.4.5"))
    assert status_of(response) == ("rejection", {"bad_alg"})


def test_md5_request_is_refused_with_bad_alg(ec_authority):
    response = ec_authority.respond(request(hashlib.md5(DATA).digest(), "md5"))
    assert status_of(response) == ("rejection", {"bad_alg"})


def test_wrong_imprint_length_is_bad_data_format(ec_authority):
    response = ec_authority.respond(request(DIGEST[:31]))
    assert status_of(response) == ("rejection", {"bad_data_format"})


@pytest.mark.parametrize(
    "body",
    [b"", b"not DER", b"\x30\x03\x02\x01", request()[:-1], request() + b"\x00", b"\x30\x00"],
    ids=["empty", "text", "truncated-header", "truncated", "trailing-byte", "empty-sequence"],
)
def test_malformed_request_is_bad_data_format(ec_authority, body):
    assert status_of(ec_authority.respond(body)) == ("rejection", {"bad_data_format"})


def test_version_2_request_is_bad_data_format(ec_authority):
    changed = tsp.TimeStampReq.load(request())
    changed["version"] = "v2"
    assert status_of(ec_authority.respond(changed.dump(force=True))) == (
        "rejection",
        {"bad_data_format"},
    )


def test_other_policy_is_unaccepted_policy(ec_authority):
    response = ec_authority.respond(request(policy="1.2.3.4"))
    assert status_of(response) == ("rejection", {"unaccepted_policy"})


def test_request_extensions_are_refused(ec_authority):
    extension = {"extn_id": "1.2.3.4", "critical": False, "extn_value": b"\x05\x00"}
    response = ec_authority.respond(request(extensions=[extension]))
    assert status_of(response) == ("rejection", {"unaccepted_extensions"})


@settings(max_examples=300)
@given(st.binary(max_size=200))
def test_respond_never_raises(ec_files, body):
    authority = Authority.from_files(
        ec_files,
        policy_oid=oids.TEST_POLICY,
        serials=CounterSerials(),
        clock=lambda: ISSUED_AT,
    )
    status, _ = status_of(authority.respond(body))
    assert status in ("granted", "rejection")


def test_clock_outside_certificate_validity(ec_authority, ec_files, clock):
    clock.moment = ec_files.tsa.not_valid_after_utc + timedelta(seconds=1)
    with pytest.raises(AuthorityError, match="not valid"):
        ec_authority.timestamp(DIGEST)
    assert status_of(ec_authority.respond(request())) == ("rejection", {"system_failure"})


def test_naive_clock_is_a_system_failure(ec_files):
    authority = Authority.from_files(
        ec_files,
        policy_oid=oids.TEST_POLICY,
        serials=CounterSerials(),
        clock=lambda: datetime(2026, 3, 2, 10, 0),
    )
    assert status_of(authority.respond(request())) == ("rejection", {"system_failure"})


def test_failing_serial_counter_is_a_system_failure(ec_files, clock, caplog):
    class BrokenSerials:
        def next_serial(self) -> int:
            raise OSError("disk full")

    authority = Authority.from_files(
        ec_files, policy_oid=oids.TEST_POLICY, serials=BrokenSerials(), clock=clock
    )
    assert status_of(authority.respond(request())) == ("rejection", {"system_failure"})
    assert "disk full" in caplog.text


def test_timestamp_refuses_sha1_and_wrong_lengths(ec_authority):
    with pytest.raises(ValueError, match="unsupported hash"):
        ec_authority.timestamp(hashlib.sha1(DATA).digest(), "sha1")
    with pytest.raises(ValueError, match="32 bytes"):
        ec_authority.timestamp(DIGEST[:20])


def test_refuses_a_certificate_without_critical_time_stamping_eku(make_cert):
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    for cert in (
        make_cert(subject="no eku", key=key, eku=None),
        make_cert(subject="non-critical", key=key, eku_critical=False),
    ):
        with pytest.raises(ValueError, match="extended key usage"):
            Authority(key, cert, policy_oid=oids.TEST_POLICY, serials=CounterSerials())


def test_refuses_a_key_that_is_not_the_certificate_s(generated):
    with pytest.raises(ValueError, match="does not match"):
        Authority(
            generated["rsa"].key,
            generated["ec"].tsa,
            policy_oid=oids.TEST_POLICY,
            serials=CounterSerials(),
        )


def test_certificates_pem(ec_authority, ec_files):
    from cryptography import x509

    assert x509.load_pem_x509_certificates(ec_authority.certificates_pem()) == [
        ec_files.tsa,
        ec_files.root,
    ]


@settings(max_examples=300)
@given(st.integers(0, 2**16), st.integers(1, 255))
def test_respond_never_raises_on_a_changed_byte(ec_files, where, mask):
    authority = Authority.from_files(
        ec_files,
        policy_oid=oids.TEST_POLICY,
        serials=CounterSerials(),
        clock=lambda: ISSUED_AT,
    )
    valid = request(nonce=77, policy=oids.TEST_POLICY)
    position = where % len(valid)
    changed = valid[:position] + bytes([valid[position] ^ mask]) + valid[position + 1 :]
    status, _ = status_of(authority.respond(changed))
    assert status in ("granted", "rejection")
