"""The OpenAPI 3.1 description of the deposit API, served at ``/api/v1/openapi.json``.

Built from the same constants as the code (enums, limits, patterns), and checked
against real requests and answers by ``tests/web/decisions/test_openapi.py``.
"""

from __future__ import annotations

from typing import Any

from notify.decisions.content import DESCRIPTION_MAX, MAX_DECISIONS, PLACE_MAX, REFERENCE
from notify.decisions.models import DecisionState
from notify.legal.points import DecisionKind, OffenceClass, RestorationBasis
from notify.legal.routing import Channel

_ERROR = {"$ref": "#/components/schemas/Error"}


def _error_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ERROR}}}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "type": [schema["type"], "null"]}


def openapi_document() -> dict[str, Any]:
    date = {"type": "string", "format": "date"}
    instant = {"type": "string", "format": "date-time"}
    schemas: dict[str, Any] = {
        "Offence": {
            "type": "object",
            "description": "L'infraction à l'origine d'un retrait de points.",
            "required": ["date", "place", "description", "class"],
            "additionalProperties": False,
            "properties": {
                "date": {**date, "description": "Date de l'infraction (pas après la décision)."},
                "place": {"type": "string", "minLength": 1, "maxLength": PLACE_MAX},
                "description": {"type": "string", "minLength": 1,
                                "maxLength": DESCRIPTION_MAX},
                "class": {"type": "string", "enum": [c.value for c in OffenceClass],
                          "description": "C1 à C5 : contravention de cette classe ; "
                                         "DELIT : délit."},
            },
        },
        "Decision": {
            "type": "object",
            "description": (
                "Une décision de retrait (kind=withdrawal, avec offence) ou de "
                "reconstitution (kind=restoration, avec restoration_basis) de points. Le "
                "solde est contrôlé par rapport à celui de la dernière décision connue du "
                "titulaire (art. L. 223-1, L. 223-2 et L. 223-6 du code de la route)."),
            "required": ["reference", "licence_number", "kind", "points", "balance_after",
                         "decided_on", "probationary"],
            "additionalProperties": False,
            "properties": {
                "reference": {"type": "string", "pattern": REFERENCE.pattern,
                              "description": "Identifiant unique de la décision chez "
                                             "l'administration."},
                "licence_number": {"type": "string",
                                   "description": "12 chiffres ou lettres majuscules "
                                                  "(espaces ignorés)."},
                "kind": {"type": "string", "enum": [k.value for k in DecisionKind]},
                "points": {"type": "integer",
                           "description": "Points retirés (1 à 8) ou reconstitués (1 à 12)."},
                "balance_after": {"type": "integer", "minimum": 0, "maximum": 12},
                "decided_on": {**date, "description": "Date de la décision (pas dans le "
                                                      "futur)."},
                "probationary": {"type": "boolean"},
                "offence": {"$ref": "#/components/schemas/Offence"},
                "restoration_basis": {"type": "string",
                                      "enum": [b.value for b in RestorationBasis]},
            },
        },
        "Problem": {
            "type": "object",
            "required": ["field", "message"],
            "additionalProperties": False,
            "properties": {
                "field": {"type": "string",
                          "description": "Champ en cause (offence.date pour un champ "
                                         "imbriqué)."},
                "message": {"type": "string", "description": "Explication en français."},
            },
        },
        "Result": {
            "type": "object",
            "required": ["reference", "outcome", "errors"],
            "additionalProperties": False,
            "properties": {
                "reference": {"type": ["string", "null"],
                              "description": "La référence envoyée (null si absente)."},
                "outcome": {"type": "string", "enum": ["accepted", "duplicate", "rejected"],
                            "description": "duplicate : même référence et même contenu "
                                           "qu'une décision déjà déposée, réponse identique ; "
                                           "même référence et autre contenu : rejected."},
                "channel": {"type": "string", "enum": [c.value for c in Channel],
                            "description": "Absent si rejected."},
                "errors": {"type": "array", "items": {"$ref": "#/components/schemas/Problem"}},
            },
        },
        "DepositAnswer": {
            "type": "object",
            "required": ["results"],
            "additionalProperties": False,
            "properties": {
                "results": {"type": "array", "items": {"$ref": "#/components/schemas/Result"},
                            "description": "Une entrée par décision, dans l'ordre de la "
                                           "requête."},
            },
        },
        "DecisionStatus": {
            "type": "object",
            "required": ["reference", "channel", "state", "made_available_at", "alert",
                         "first_consulted_at", "notification", "appeal_deadline"],
            "additionalProperties": False,
            "properties": {
                "reference": {"type": "string"},
                "channel": {"type": "string", "enum": [c.value for c in Channel]},
                "state": {"type": "string", "enum": [s.value for s in DecisionState]},
                "made_available_at": _nullable(instant),
                "alert": {"oneOf": [{"type": "null"},
                                    {"$ref": "#/components/schemas/Alert"}]},
                "first_consulted_at": _nullable(instant),
                "notification": {"oneOf": [{"type": "null"},
                                           {"$ref": "#/components/schemas/Notification"}]},
                "appeal_deadline": _nullable(date),
            },
        },
        "Alert": {
            "type": "object",
            "required": ["state", "at"],
            "additionalProperties": False,
            "properties": {
                "state": {"type": "string", "enum": ["pending", "sent", "failed"]},
                "at": _nullable(instant),
            },
        },
        "Notification": {
            "type": "object",
            "required": ["at", "on", "basis", "policy"],
            "additionalProperties": False,
            "properties": {
                "at": instant,
                "on": date,
                "basis": {"type": "string", "enum": ["consultation", "deemed"]},
                "policy": {"type": "string"},
            },
        },
        "Error": {
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
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Dépôt des décisions relatives aux points du permis de conduire",
            "version": "1",
            "description": (
                "API des systèmes de l'administration : dépôt des décisions de retrait et "
                "de reconstitution de points (art. R. 223-3-1 du code de la route) et suivi "
                "de leur notification. Horodatages en UTC (ISO 8601), dates ISO."),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/decisions": {
                "post": {
                    "operationId": "depositDecisions",
                    "summary": "Déposer de 1 à 10 000 décisions",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {
                            "type": "array", "minItems": 1, "maxItems": MAX_DECISIONS,
                            "items": {"$ref": "#/components/schemas/Decision"}}}},
                    },
                    "responses": {
                        "200": {"description": "Une réponse par décision, dans l'ordre.",
                                "content": {"application/json": {"schema": {
                                    "$ref": "#/components/schemas/DepositAnswer"}}}},
                        "400": _error_response("Corps illisible (JSON invalide, pas un "
                                               "tableau, tableau vide)."),
                        "401": _error_response("Jeton absent, inconnu ou révoqué."),
                        "403": _error_response("Jeton sans la portée decisions:deposit."),
                        "409": _error_response("Dépôt concurrent d'une même référence : rien "
                                               "n'est enregistré, renvoyer la requête."),
                        "413": _error_response("Plus de 10 000 décisions, ou corps trop "
                                               "volumineux."),
                        "415": _error_response("Content-Type autre que application/json."),
                    },
                },
            },
            "/decisions/{reference}": {
                "get": {
                    "operationId": "getDecision",
                    "summary": "État d'une décision déposée",
                    "parameters": [{"name": "reference", "in": "path", "required": True,
                                    "schema": {"type": "string"}}],
                    "responses": {
                        "200": {"description": "L'état de la décision.",
                                "content": {"application/json": {"schema": {
                                    "$ref": "#/components/schemas/DecisionStatus"}}}},
                        "401": _error_response("Jeton absent, inconnu ou révoqué."),
                        "403": _error_response("Jeton sans la portée decisions:read."),
                        "404": _error_response("Aucune décision sous cette référence déposée "
                                               "par l'organisation du jeton."),
                    },
                },
            },
        },
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "Jeton créé par "
                                                          "« notify api-token create »."}},
        },
    }
