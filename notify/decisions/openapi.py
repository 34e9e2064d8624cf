"""The OpenAPI 3.1 description of the deposit API, served at ``/api/v1/openapi.json``.

Built from the same constants as the code (enums, limits, patterns, the window of
dates), and checked against real requests and answers by
``tests/web/decisions/test_openapi.py`` and, fuzzed, by ``test_fuzz.py`` next to it.
The window of dates ends on the latest legal date at the time of the request, so the
document is built per request.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from notify.decisions.content import (
    DESCRIPTION_MAX,
    LICENCE_NUMBER,
    MAX_BODY_BYTES,
    MAX_DECISIONS,
    PLACE_MAX,
    REFERENCE,
    decision_dates,
)
from notify.decisions.models import DecisionState
from notify.legal.points import (
    MAX_POINTS,
    MAX_POINTS_PER_WITHDRAWAL,
    DecisionKind,
    OffenceClass,
    RestorationBasis,
)
from notify.legal.routing import Channel
from notify.web.api import (
    BEARER_SCHEME,
    ERROR_SCHEMA,
    UNAUTHENTICATED,
    UNSUPPORTED_MEDIA,
    error_response,
    nullable,
    text_schema,
)
from notify.web.json_input import MAX_DEPTH


def _decision(kind: DecisionKind, points: tuple[int, int], balance: tuple[int, int],
              decided_on: dict[str, Any], extra: dict[str, Any], description: str):
    return {
        "type": "object",
        "description": description,
        "required": ["reference", "licence_number", "kind", "points", "balance_after",
                     "decided_on", "probationary", *extra],
        "additionalProperties": False,
        "properties": {
            "reference": {"type": "string", "pattern": REFERENCE.pattern,
                          "description": "Identifiant unique de la décision chez "
                                         "l'administration."},
            "licence_number": {"type": "string", "pattern": LICENCE_NUMBER.pattern,
                               "description": "Numéro de permis : 12 chiffres ou lettres "
                                              "majuscules (les espaces sont ôtés et les "
                                              "minuscules mises en majuscules)."},
            "kind": {"type": "string", "enum": [kind.value]},
            "points": {"type": "integer", "minimum": points[0], "maximum": points[1]},
            "balance_after": {"type": "integer", "minimum": balance[0],
                              "maximum": balance[1]},
            "decided_on": {**decided_on, "description": "Date de la décision."},
            "probationary": {"type": "boolean"},
            **extra,
        },
    }


def openapi_document(latest: date) -> dict[str, Any]:
    """The document, for dates up to ``latest`` (``latest_legal_date(now)``)."""
    window = decision_dates(latest)
    date_ = {"type": "string", "format": "date", "pattern": window.pattern}
    dates = (f"Date ISO (AAAA-MM-JJ), du {window.earliest:%d/%m/%Y} (entrée en vigueur du "
             f"permis à points) à aujourd'hui, date du territoire le plus en avance "
             f"({window.latest:%d/%m/%Y} quand ce document a été produit).")
    instant = {"type": "string", "format": "date-time"}
    schemas: dict[str, Any] = {
        "Offence": {
            "type": "object",
            "description": "L'infraction à l'origine d'un retrait de points.",
            "required": ["date", "place", "description", "class"],
            "additionalProperties": False,
            "properties": {
                "date": {**date_, "description": "Date de l'infraction, au plus tard celle "
                                                 "de la décision."},
                "place": text_schema(PLACE_MAX, "Lieu de l'infraction."),
                "description": text_schema(DESCRIPTION_MAX, "Nature de l'infraction."),
                "class": {"type": "string", "enum": [c.value for c in OffenceClass],
                          "description": "C1 à C5 : contravention de cette classe ; "
                                         "DELIT : délit."},
            },
        },
        "Decision": {
            "description": (
                "Une décision de retrait (kind=withdrawal, avec offence) ou de "
                "reconstitution (kind=restoration, avec restoration_basis) de points. Le "
                "solde est contrôlé par rapport à celui de la dernière décision connue du "
                "titulaire (art. L. 223-1, L. 223-2 et L. 223-6 du code de la route). "
                + dates),
            "oneOf": [{"$ref": "#/components/schemas/Withdrawal"},
                      {"$ref": "#/components/schemas/Restoration"}],
        },
        "Withdrawal": _decision(
            DecisionKind.WITHDRAWAL, (1, MAX_POINTS_PER_WITHDRAWAL), (0, MAX_POINTS - 1), date_,
            {"offence": {"$ref": "#/components/schemas/Offence"}},
            "Retrait de 1 à 8 points (8 : plafond des infractions simultanées)."),
        "Restoration": _decision(
            DecisionKind.RESTORATION, (1, MAX_POINTS), (1, MAX_POINTS), date_,
            {"restoration_basis": {"type": "string",
                                   "enum": [b.value for b in RestorationBasis],
                                   "description": "Alinéa de l'art. L. 223-6, ou stage "
                                                  "(4 points au plus)."}},
            "Reconstitution de points."),
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
                "made_available_at": nullable(instant),
                "alert": {"oneOf": [{"type": "null"},
                                    {"$ref": "#/components/schemas/Alert"}]},
                "first_consulted_at": nullable(instant),
                "notification": {"oneOf": [{"type": "null"},
                                           {"$ref": "#/components/schemas/Notification"}]},
                "appeal_deadline": nullable({"type": "string", "format": "date"}),
            },
        },
        "Alert": {
            "type": "object",
            "required": ["state", "at"],
            "additionalProperties": False,
            "properties": {
                "state": {"type": "string", "enum": ["pending", "sent", "failed"]},
                "at": nullable(instant),
            },
        },
        "Notification": {
            "type": "object",
            "required": ["at", "on", "basis", "policy"],
            "additionalProperties": False,
            "properties": {
                "at": instant,
                "on": {"type": "string", "format": "date"},
                "basis": {"type": "string", "enum": ["consultation", "deemed"]},
                "policy": {"type": "string"},
            },
        },
        "Error": ERROR_SCHEMA,
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
                        "400": error_response(
                            f"Corps illisible : pas en UTF-8 (ou précédé d'une marque "
                            f"d'ordre des octets), JSON invalide, plus de {MAX_DEPTH} "
                            f"niveaux imbriqués, pas un tableau, tableau vide."),
                        "401": error_response(UNAUTHENTICATED),
                        "403": error_response("Jeton sans la portée decisions:deposit."),
                        "409": error_response("Dépôt concurrent d'une même référence : rien "
                                               "n'est enregistré, renvoyer la requête."),
                        "413": error_response(
                            f"Plus de 10 000 décisions, ou corps de plus de "
                            f"{MAX_BODY_BYTES} octets (annoncés par Content-Length ou "
                            f"transmis par morceaux)."),
                        "415": error_response(UNSUPPORTED_MEDIA),
                    },
                },
            },
            "/decisions/{reference}": {
                "get": {
                    "operationId": "getDecision",
                    "summary": "État d'une décision déposée",
                    "parameters": [{"name": "reference", "in": "path", "required": True,
                                    "schema": {"type": "string",
                                               "pattern": REFERENCE.pattern}}],
                    "responses": {
                        "200": {"description": "L'état de la décision.",
                                "content": {"application/json": {"schema": {
                                    "$ref": "#/components/schemas/DecisionStatus"}}}},
                        "401": error_response(UNAUTHENTICATED),
                        "403": error_response("Jeton sans la portée decisions:read."),
                        "404": error_response("Aucune décision sous cette référence déposée "
                                               "par l'organisation du jeton."),
                    },
                },
            },
        },
        "components": {
            "schemas": schemas,
            "securitySchemes": BEARER_SCHEME,
        },
    }
