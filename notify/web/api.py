"""What every JSON API under ``/api/v1`` shares: its blueprint (no CSRF: no cookie
authenticates these requests; answers never cached; a 401 carries its RFC 6750
challenge) and the pieces of its OpenAPI 3.1 document (the one error shape, bearer
security, text fields). Errors themselves are answered by ``notify.web.errors`` as
``{"error": {"status", "message"}}``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from notify.validation import TEXT_PATTERN
from notify.web import csrf

PREFIX = "/api/v1"


def _headers(response):
    if response.status_code == 401:
        challenge = 'Bearer realm="notify"'
        if request.headers.get("Authorization"):
            challenge += ', error="invalid_token"'
        response.headers["WWW-Authenticate"] = challenge
    response.headers["Cache-Control"] = "no-store"
    return response


def api_blueprint(name: str, import_name: str) -> Blueprint:
    """A feature's API blueprint, under ``/api/v1``."""
    bp = Blueprint(name, import_name, url_prefix=PREFIX)
    csrf.exempt(bp)
    bp.after_request(_headers)
    return bp


# --- OpenAPI pieces -------------------------------------------------------------------

ERROR_REF = {"$ref": "#/components/schemas/Error"}

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "additionalProperties": False,
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "message"],
            "properties": {"status": {"type": "integer"},
                           "message": {"type": "string"}},
        },
    },
}

BEARER_SCHEME = {"bearer": {"type": "http", "scheme": "bearer",
                            "description": "Jeton créé par « notify api-token create »."}}

UNAUTHENTICATED = "Jeton absent, inconnu ou révoqué."
UNSUPPORTED_MEDIA = "Content-Type autre que application/json (en UTF-8)."


def error_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR_REF}}}


def json_response(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "type": [schema["type"], "null"]}


def text_schema(maximum: int, description: str) -> dict[str, Any]:
    """A field checked by ``notify.validation.clean_text``."""
    return {"type": "string", "minLength": 1, "maxLength": maximum, "pattern": TEXT_PATTERN,
            "description": f"{description} Une ligne de texte Unicode, sans caractère de "
                           f"contrôle (ni tabulation, ni saut de ligne, ni contrôle de "
                           f"direction), {maximum} caractères au plus (espaces de début et "
                           f"de fin ôtés)."}
