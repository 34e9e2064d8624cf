"""The embedded TSA mounted in the app: POST /tsa and GET /tsa/certs (RFC 3161 §3.4)."""

import hashlib

import rfc3161ng
from asn1crypto import core, tsp

from timestamp.verify import verify_token


def test_rfc3161ng_request_gets_a_token_we_verify(client, tsa_files):
    digest = hashlib.sha256(b"decision").digest()
    request = rfc3161ng.encode_timestamp_request(rfc3161ng.make_timestamp_request(
        digest=digest, hashname="sha256", include_tsa_certificate=True, nonce=42))
    response = client.post("/tsa", data=request,
                           headers={"Content-Type": "application/timestamp-query"})
    assert response.status_code == 200
    assert response.mimetype == "application/timestamp-reply"
    verified = verify_token(response.data, digest=digest, hash_name="sha256", nonce=42,
                            trust_anchors=[tsa_files.root])
    assert verified.nonce == 42


def test_malformed_request_gets_a_rejection_not_a_500(client):
    response = client.post("/tsa", data=b"\x30\x03garbage",
                           headers={"Content-Type": "application/timestamp-query"})
    assert response.status_code == 200
    # A rejection carries no token, which asn1crypto's TimeStampResp insists on: read the
    # PKIStatusInfo, the response's first element, on its own.
    status = tsp.PKIStatusInfo.load(core.Sequence.load(response.data)[0].dump())
    assert status["status"].native == "rejection"
    assert "bad_data_format" in status["fail_info"].native


def test_wrong_content_type_is_415(client):
    response = client.post("/tsa", data=b"x", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415


def test_certs_are_served(client, tsa_files):
    response = client.get("/tsa/certs")
    assert response.status_code == 200
    assert b"BEGIN CERTIFICATE" in response.data
