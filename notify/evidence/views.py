"""RFC 3161 over HTTP (§3.4) for the embedded authority: ``POST /tsa``, ``GET /tsa/certs``.

The handlers are those of ``timestamp.server``; this blueprint only mounts them in the
app (CSRF does not apply: the body is a DER request, not a form).
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, request

from notify.bootstrap import services
from notify.evidence.tsa import EmbeddedAuthority
from timestamp.client import TimestampUnavailable
from timestamp.server import handle_certs, handle_query

bp = Blueprint("tsa", __name__)

QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"


def _authority():
    client = services().timestamp_client
    if not isinstance(client, EmbeddedAuthority):
        abort(404)  # a remote TSA is configured: this site does not sign
    try:
        return client.authority
    except TimestampUnavailable:
        abort(503)


@bp.route("/tsa", methods=["POST"])
def query():
    if request.mimetype != QUERY_TYPE:
        abort(415)
    body = handle_query(_authority(), request.get_data(cache=False))
    return Response(body, mimetype=REPLY_TYPE)


@bp.route("/tsa/certs")
def certs():
    return Response(handle_certs(_authority()), mimetype="application/pem-certificate-chain")
