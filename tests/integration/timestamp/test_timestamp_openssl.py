"""Interoperability with the OpenSSL CLI (`openssl ts`), in both directions."""

from __future__ import annotations

import hashlib

import pytest
from asn1crypto import core, tsp

from timestamp.oids import TEST_POLICY
from timestamp.verify import VerificationError, verify_token

DOCUMENT = "Lettre 48 SI du 2 mars 2026 — solde de points : 0".encode()


@pytest.fixture
def document(tmp_path):
    path = tmp_path / "decision.txt"
    path.write_bytes(DOCUMENT)
    return path


def test_openssl_query_our_reply_openssl_verify(authority, tsa_files, document, tmp_path, openssl):
    query, reply = tmp_path / "request.tsq", tmp_path / "reply.tsr"
    openssl("ts", "-query", "-data", str(document), "-sha256", "-cert", "-out", str(query))
    reply.write_bytes(authority.respond(query.read_bytes()))

    text = openssl("ts", "-reply", "-in", str(reply), "-text").stdout
    assert "Status: Granted." in text
    assert f"Policy OID: {TEST_POLICY}" in text
    assert "Nonce: 0x" in text

    directory = tsa_files.directory
    common = ["-CAfile", str(directory / "root.pem"), "-untrusted", str(directory / "tsa.pem")]
    verified = openssl("ts", "-verify", "-data", str(document), "-in", str(reply), *common)
    assert "Verification: OK" in verified.stdout
    # With the query, OpenSSL also checks the nonce and the imprint against it.
    verified = openssl("ts", "-verify", "-queryfile", str(query), "-in", str(reply), *common)
    assert "Verification: OK" in verified.stdout


def test_openssl_rejects_our_token_for_other_data(authority, tsa_files, tmp_path, openssl):
    reply = tmp_path / "reply.tsr"
    other = tmp_path / "other.txt"
    other.write_bytes(b"another letter")
    query = tmp_path / "request.tsq"
    openssl("ts", "-query", "-data", str(other), "-sha256", "-cert", "-out", str(query))
    reply.write_bytes(authority.respond(query.read_bytes()))
    document = tmp_path / "decision.txt"
    document.write_bytes(DOCUMENT)
    result = openssl(
        "ts", "-verify", "-data", str(document), "-in", str(reply),
        "-CAfile", str(tsa_files.directory / "root.pem"), check=False,
    )  # fmt: skip
    assert result.returncode != 0 and "Verification: OK" not in result.stdout


def test_openssl_sha1_query_is_refused(authority, document, tmp_path, openssl):
    query = tmp_path / "request.tsq"
    openssl("ts", "-query", "-data", str(document), "-sha1", "-out", str(query))
    response = authority.respond(query.read_bytes())
    status = tsp.PKIStatusInfo.load(core.Sequence.load(response)[0].dump())
    assert (status["status"].native, status["fail_info"].native) == ("rejection", {"bad_alg"})
    reply = tmp_path / "reply.tsr"
    reply.write_bytes(response)
    text = openssl("ts", "-reply", "-in", str(reply), "-text").stdout
    assert "Status: Rejected." in text
    assert "unrecognized or unsupported algorithm identifier" in text


def _openssl_tsa_config(directory, ess_cert_id_alg: str) -> str:
    (directory / "openssl-serial").write_text("2A\n")
    return f"""
[ tsa ]
default_tsa = tsa_config

[ tsa_config ]
serial = {directory}/openssl-serial
crypto_device = builtin
signer_cert = {directory}/tsa.pem
certs = {directory}/tsa.pem
signer_key = {directory}/tsa.key
signer_digest = sha256
default_policy = {TEST_POLICY}
digests = sha256, sha384, sha512
accuracy = secs:1, millisecs:500
clock_precision_digits = 3
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = {ess_cert_id_alg}
"""


@pytest.mark.parametrize("ess_cert_id_alg", ["sha256", "sha1"])
def test_openssl_reply_accepted_by_our_verifier(
    tsa_files, document, tmp_path, openssl, ess_cert_id_alg
):
    """sha256 gives ESSCertIDv2 (RFC 5816); sha1 the original ESSCertID of RFC 2634."""
    config = tmp_path / "openssl-tsa.cnf"
    config.write_text(_openssl_tsa_config(tsa_files.directory, ess_cert_id_alg))
    query, reply = tmp_path / "request.tsq", tmp_path / "reply.tsr"
    openssl("ts", "-query", "-data", str(document), "-sha512", "-cert", "-out", str(query))
    openssl(
        "ts", "-reply", "-config", str(config), "-queryfile", str(query), "-out", str(reply)
    )  # fmt: skip
    nonce = tsp.TimeStampReq.load(query.read_bytes())["nonce"].native

    verified = verify_token(
        reply.read_bytes(), data=DOCUMENT, nonce=nonce, trust_anchors=[tsa_files.root]
    )
    assert verified.serial == 0x2B  # OpenSSL increments the stored serial, then uses it
    assert verified.hash_name == "sha512"
    assert verified.digest == hashlib.sha512(DOCUMENT).digest()
    assert verified.signer == tsa_files.tsa
    assert verified.chain == (tsa_files.tsa, tsa_files.root)

    with pytest.raises(VerificationError) as caught:
        verify_token(reply.read_bytes(), data=b"other", trust_anchors=[tsa_files.root])
    assert caught.value.reason == "imprint"


def test_openssl_token_out_accepted_by_our_verifier(tsa_files, document, tmp_path, openssl):
    config = tmp_path / "openssl-tsa.cnf"
    config.write_text(_openssl_tsa_config(tsa_files.directory, "sha256"))
    query, token = tmp_path / "request.tsq", tmp_path / "token.der"
    openssl("ts", "-query", "-data", str(document), "-sha256", "-no_nonce", "-out", str(query))
    openssl(
        "ts", "-reply", "-config", str(config), "-queryfile", str(query),
        "-token_out", "-out", str(token),
    )  # fmt: skip
    # No certReq: the TSA certificate comes from the caller, the root still from the anchors.
    with pytest.raises(VerificationError) as caught:
        verify_token(token.read_bytes(), data=DOCUMENT, trust_anchors=[tsa_files.root])
    assert caught.value.reason == "ess_cert_id"
    verified = verify_token(
        token.read_bytes(), data=DOCUMENT, trust_anchors=[tsa_files.root], untrusted=[tsa_files.tsa]
    )
    assert verified.nonce is None
