"""The deposit API (``/api/v1``) used by the administration's systems.

Thin views: authenticate the bearer token and check its scope (``notify.auth.web.
api_client``), parse the body, call one operation, commit once, answer JSON. A client
reads only the decisions its organisation deposited; another's answer 404, as unknown
ones do, so that a reference's existence is not told. Errors are ``DomainError``s
answered by ``notify.web.errors`` as ``{"error": {"status", "message"}}``; a 401 also
carries a ``WWW-Authenticate`` challenge (RFC 6750). CSRF does not apply: no cookie
authenticates these requests.
"""

from __future__ import annotations

import json

from flask import Blueprint, jsonify, request
from sqlalchemy.exc import IntegrityError

from notify.auth.permissions import DECISIONS_DEPOSIT, DECISIONS_READ
from notify.auth.web import api_client
from notify.bootstrap import services
from notify.decisions import operations as ops
from notify.decisions.content import MAX_DECISIONS
from notify.decisions.openapi import openapi_document
from notify.errors import Conflict, InvalidInput, PayloadTooLarge, UnsupportedMediaType
from notify.web import csrf, db_session

bp = Blueprint("decisions_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

MAX_BODY_BYTES = 16 * 1024 * 1024
"""At most 10,000 decisions of about 1 kB each, with room to spare."""


@bp.after_request
def _headers(response):
    if response.status_code == 401:
        challenge = 'Bearer realm="notify"'
        if request.headers.get("Authorization"):
            challenge += ', error="invalid_token"'
        response.headers["WWW-Authenticate"] = challenge
    response.headers["Cache-Control"] = "no-store"
    return response


def _reject_constant(name: str):
    raise ValueError(f"valeur non JSON : {name}")


def _decisions_body() -> list:
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("Corps JSON attendu (Content-Type: application/json).")
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"Corps trop volumineux : {MAX_BODY_BYTES} octets au plus.")
    raw = request.get_data(cache=False)
    try:
        body = json.loads(raw, parse_constant=_reject_constant)
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"Corps JSON invalide : encodage UTF-8 attendu ({exc.reason}, "
                           f"octet {exc.start}).") from exc
    except ValueError as exc:
        detail = (f"{exc.msg}, ligne {exc.lineno}, colonne {exc.colno}"
                  if isinstance(exc, json.JSONDecodeError) else str(exc))
        raise InvalidInput(f"Corps JSON invalide : {detail}.") from exc
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
    session = db_session()
    try:
        results = ops.deposit(session, items, depositor=client.name,
                              organisation_id=client.organisation_id,
                              now=services().clock.now(),
                              routing_policy=services().settings.routing_policy)
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict("Une autre requête déposait en même temps une décision de même "
                       "référence : rien n'a été enregistré, renvoyez le dépôt.") from exc
    return jsonify({"results": [result.as_json() for result in results]})


@bp.get("/decisions/<reference>")
def status(reference: str):
    client = api_client(DECISIONS_READ).client
    session = db_session()
    answer = ops.decision_status(session, reference, DECISIONS_READ, client.organisation_id)
    session.commit()
    return jsonify(answer)


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())
