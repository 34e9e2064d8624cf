"""The deposit API (``/api/v1``) used by the administration's systems.

Thin views: authenticate the bearer token and check its scope (``notify.auth.web.
api_client``), parse the body, call one operation, commit once, answer JSON. A client
reads only the decisions its organisation deposited; another's answer 404, as unknown
ones do, so that a reference's existence is not told. Errors are ``DomainError``s
answered by ``notify.web.errors`` as ``{"error": {"status", "message"}}``; a 401 also
carries a ``WWW-Authenticate`` challenge (RFC 6750). CSRF does not apply: no cookie
authenticates these requests (``notify.web.api``).
"""

from __future__ import annotations

from flask import jsonify
from sqlalchemy.exc import IntegrityError

from notify.auth.permissions import DECISIONS_DEPOSIT, DECISIONS_READ
from notify.auth.web import api_client
from notify.bootstrap import services
from notify.decisions import operations as ops
from notify.decisions.content import MAX_BODY_BYTES, MAX_DECISIONS, REFERENCE
from notify.decisions.openapi import openapi_document
from notify.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge
from notify.legal.window import latest_legal_date
from notify.web import db_session, perform
from notify.web.api import api_blueprint
from notify.web.json_input import request_json

bp = api_blueprint("decisions_api", __name__)


def _decisions_body() -> list:
    body = request_json(max_bytes=MAX_BODY_BYTES)
    if not isinstance(body, list):
        raise InvalidInput("Le corps doit être un tableau JSON de décisions.")
    if not body:
        raise InvalidInput("Le tableau doit contenir au moins une décision.")
    if len(body) > MAX_DECISIONS:
        raise PayloadTooLarge(f"{MAX_DECISIONS} décisions au plus par requête "
                              f"(reçu {len(body)}) : découpez le dépôt.")
    return body


@bp.post("/decisions")
def deposit():
    client = api_client(DECISIONS_DEPOSIT).client
    items = _decisions_body()
    try:
        results = perform(ops.deposit, items, depositor=client.name,
                          organisation_id=client.organisation_id,
                          now=services().clock.now(),
                          routing_policy=services().settings.routing_policy)
    except IntegrityError as exc:
        db_session().rollback()
        raise Conflict("Une autre requête déposait en même temps une décision de même "
                       "référence : rien n'a été enregistré, renvoyez le dépôt.") from exc
    return jsonify({"results": [result.as_json() for result in results]})


@bp.get("/decisions/<reference>")
def status(reference: str):
    client = api_client(DECISIONS_READ).client
    if not REFERENCE.fullmatch(reference):
        # No decision can bear it; nor can every database hold it (PostgreSQL: no NUL).
        raise NotFound("Aucune décision ne peut porter cette référence : 1 à 50 caractères "
                       "parmi lettres, chiffres, « . », « _ » et « - ».")
    return jsonify(perform(ops.decision_status, reference, DECISIONS_READ,
                           client.organisation_id))


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document(latest_legal_date(services().clock.now())))
