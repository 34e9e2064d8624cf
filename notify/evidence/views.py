"""RFC 3161 over HTTP (§3.4) for the embedded authority: ``POST /tsa``, ``GET /tsa/certs``.

The handlers are those of ``timestamp.server``; this blueprint only mounts them in the
app (CSRF does not apply: the body is a DER request, not a form).
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, request

from notify.bootstrap import services
from timestamp.client import TimestampUnavailable
from timestamp.server import handle_certs, handle_query

bp = Blueprint("tsa", __name__)

QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"


def _authority():
    """The in-process authority; 404 when a remote TSA is configured (we do not sign)."""
    try:
        authority = getattr(services().timestamp_client, "authority", None)
    except TimestampUnavailable:
        abort(503)  # embedded, but `notify tsa init` has not been run
    if authority is None:
        abort(404)
    return authority


@bp.route("/tsa", methods=["POST"])
def query():
    if request.mimetype != QUERY_TYPE:
        abort(415)
    body = handle_query(_authority(), request.get_data(cache=False))
    return Response(body, mimetype=REPLY_TYPE)


@bp.route("/tsa/certs")
def certs():
    return Response(handle_certs(_authority()), mimetype="application/pem-certificate-chain")
