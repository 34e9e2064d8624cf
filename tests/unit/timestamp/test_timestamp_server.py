"""The WSGI application, called directly (the real HTTP exchange is an integration test)."""

from __future__ import annotations

import io
from wsgiref.util import setup_testing_defaults

import pytest
from asn1crypto import core, tsp
from cryptography import x509

from timestamp.server import make_wsgi_app


def call(app, method="POST", path="/tsa", body=b"", content_type="application/timestamp-query"):
    environ: dict = {}
    setup_testing_defaults(environ)
    environ.update(
        REQUEST_METHOD=method,
        PATH_INFO=path,
        CONTENT_TYPE=content_type,
        CONTENT_LENGTH=str(len(body)),
    )
    environ["wsgi.input"] = io.BytesIO(body)
    captured = {}

    def start_response(status, headers):
        captured["status"], captured["headers"] = status, dict(headers)

    payload = b"".join(app(environ, start_response))
    return captured["status"], captured["headers"], payload


@pytest.fixture
def app(ec_authority):
    return make_wsgi_app(ec_authority)


def test_query(app, digest):
    request = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": {"algorithm": "sha256"},
                "hashed_message": digest,
            },
            "cert_req": True,
        }
    ).dump()
    status, headers, body = call(app, body=request)
    assert status == "200 OK"
    assert headers["Content-Type"] == "application/timestamp-reply"
    assert core.Sequence.load(body)[0].native["0"] == 0  # granted


def test_malformed_body_gets_a_rejection_not_an_error(app):
    status, headers, body = call(app, body=b"\x00garbage")
    assert status == "200 OK" and headers["Content-Type"] == "application/timestamp-reply"
    info = tsp.PKIStatusInfo.load(core.Sequence.load(body)[0].dump())
    assert info["status"].native == "rejection"
    assert info["fail_info"].native == {"bad_data_format"}


def test_wrong_content_type(app):
    status, headers, body = call(app, body=b"x", content_type="application/octet-stream")
    assert status.startswith("415") and headers["Content-Type"].startswith("text/plain")


def test_get_on_query_endpoint(app):
    status, headers, _ = call(app, method="GET")
    assert status.startswith("405") and headers["Allow"] == "POST"


def test_too_large(app):
    assert call(app, body=b"\x30" * 20_000)[0].startswith("413")


def test_certs(app, ec_files):
    status, headers, body = call(app, method="GET", path="/tsa/certs")
    assert status == "200 OK"
    assert headers["Content-Type"] == "application/pem-certificate-chain"
    assert x509.load_pem_x509_certificates(body) == [ec_files.tsa, ec_files.root]


def test_unknown_path(app):
    assert call(app, path="/other")[0].startswith("404")
