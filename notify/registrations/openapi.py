"""The OpenAPI 3.1 description of the registrations API, served at
``/api/v1/registrations/openapi.json``.

Built from the same constants as the code (procedures, states, events, limits,
patterns), and checked against real requests and answers by
``tests/web/registrations/test_api_fuzz.py`` (schemathesis).
"""

from __future__ import annotations

from typing import Any

from notify.registrations.models import Procedure
from notify.registrations.operations import BULK_MAX, FILED, NUMBER_PATTERN
from notify.registrations.states import (
    REASON_MAX_LENGTH,
    ActorKind,
    Event,
    InformationService,
    State,
)
from notify.web.api import (
    BEARER_SCHEME,
    ERROR_SCHEMA,
    UNAUTHENTICATED,
    UNSUPPORTED_MEDIA,
    error_response,
    json_response,
    nullable,
    text_schema,
)
from notify.web.json_input import MAX_DEPTH

FILE_BODY_BYTES = 64 * 1024
BULK_BODY_BYTES = 16 * 1024 * 1024
CHANGES_LIMIT = (1, 500, 1000)  # minimum, default, maximum
CURSOR_MAX = 2 ** 31 - 1  # the transitions' ids are 32-bit integers on PostgreSQL

_INSTANT = {"type": "string", "format": "date-time"}
_STATE = {"type": "string", "enum": [s.value for s in State]}
_EVENT = {"type": "string", "enum": [e.value for e in Event]}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _number_parameter() -> dict[str, Any]:
    return {"name": "number", "in": "path", "required": True,
            "description": "Numéro du dossier, donné au dépôt.",
            "schema": {"type": "string", "pattern": NUMBER_PATTERN}}


def _refusals(scopes: str, *, body: bool, found: bool = True) -> dict[str, Any]:
    answers = {
        "401": error_response(UNAUTHENTICATED),
        "403": error_response(
            f"Jeton sans la portée {scopes} ; professionnel suspendu (« suspendue jusqu'au "
            "… ») ou dont l'habilitation est retirée, avec le fondement ; ou étape que ce "
            "type d'acteur ne peut pas enregistrer."),
    }
    if found:
        answers["404"] = error_response("Aucun dossier de ce numéro parmi ceux de "
                                        "l'organisation du jeton (le dossier d'un autre "
                                        "répond de même).")
    if body:
        answers["400"] = error_response(
            f"Corps illisible (pas en UTF-8, BOM, JSON invalide, plus de {MAX_DEPTH} niveaux "
            "imbriqués) ou champ refusé : le message nomme le champ et la raison.")
        answers["415"] = error_response(UNSUPPORTED_MEDIA)
    return answers


def _step_answers(description: str, scopes: str, *, body: bool) -> dict[str, Any]:
    return {
        "200": json_response(description, _ref("Change")),
        "409": error_response("Étape impossible dans l'état du dossier : le message nomme "
                              "l'état et l'étape (« demande validée » est impossible pour "
                              "un dossier « En attente de paiement »)."),
        **_refusals(scopes, body=body),
        **({"413": error_response(f"Corps de plus de {FILE_BODY_BYTES} octets.")}
           if body else {}),
    }


def openapi_document() -> dict[str, Any]:
    both = "registrations:file ni registrations:instruct"
    schemas: dict[str, Any] = {
        "Filing": {
            "type": "object",
            "description": "Une demande déposée par un professionnel habilité. Idempotent "
                           "sur provider_reference : même référence et même contenu, même "
                           "dossier (200) ; même référence et autre contenu, 409.",
            "required": ["procedure", "vin", "applicant", "provider_reference",
                         "mandate_signed_at"],
            "additionalProperties": False,
            "properties": {
                "procedure": {"type": "string", "enum": [p.value for p in Procedure]},
                "vin": {"type": "string", "minLength": 17, "maxLength": 40,
                        "description": "17 caractères (espaces et tirets ôtés), chiffres et "
                                       "lettres sauf I, O, Q. Une clé de contrôle "
                                       "nord-américaine fausse donne un avertissement."},
                "plate": nullable({"type": "string", "maxLength": 16,
                                   "description": "AA-123-AA (SIV), WW-123-AA (provisoire) "
                                                  "ou 123-AB-01 (ancien format). Obligatoire "
                                                  "sauf première immatriculation et WW."}),
                "applicant": {
                    "type": "object", "required": ["name", "email"],
                    "additionalProperties": False,
                    "properties": {"name": text_schema(200, "Nom du demandeur."),
                                   "email": {"type": "string", "maxLength": 254,
                                             "format": "email"}},
                },
                "provider_reference": text_schema(64, "Référence du dossier chez le "
                                                      "professionnel."),
                "mandate_signed_at": {**_INSTANT,
                                      "description": "Signature du mandat, avec fuseau, pas "
                                                     "dans le futur, pas avant 2009 : fait "
                                                     "courir le délai de transmission."},
                "centre": nullable(text_schema(32, "Code du centre d'instruction.")),
                "national_number": nullable(text_schema(64, "Numéro de la demande sur le "
                                                            "site national (opaque).")),
            },
        },
        "File": {
            "type": "object",
            "additionalProperties": False,
            "required": ["number", "national_number", "procedure", "vin", "plate",
                         "plate_format", "applicant", "provider_reference", "centre", "state",
                         "state_label", "state_since", "information_service", "last_reason",
                         "next_events", "mandate_signed_at", "transmit_by", "submitted_at",
                         "filed_at", "provider_flag"],
            "properties": {
                "number": {"type": "string", "pattern": NUMBER_PATTERN},
                "national_number": nullable({"type": "string"}),
                "procedure": {"type": "string", "enum": [p.value for p in Procedure]},
                "vin": {"type": "string"},
                "plate": nullable({"type": "string"}),
                "plate_format": nullable({"type": "string"}),
                "applicant": {"type": "object", "required": ["name", "email"],
                              "properties": {"name": {"type": "string"},
                                             "email": {"type": "string"}}},
                "provider_reference": nullable({"type": "string"}),
                "centre": nullable({"type": "string"}),
                "state": _STATE,
                "state_label": {"type": "string", "description": "L'état en français."},
                "state_since": _INSTANT,
                "information_service": nullable(
                    {"type": "string", "enum": [s.value for s in InformationService]}),
                "last_reason": nullable({"type": "string"}),
                "next_events": {"type": "array", "items": _EVENT,
                                "description": "Les étapes que l'appelant peut enregistrer "
                                               "maintenant."},
                "mandate_signed_at": nullable(_INSTANT),
                "transmit_by": nullable({**_INSTANT,
                                         "description": "Fin du délai de transmission."}),
                "submitted_at": nullable(_INSTANT),
                "filed_at": _INSTANT,
                "provider_flag": nullable({"type": "string",
                                           "description": "Alerte sur le professionnel "
                                                          "(suspendu, retiré)."}),
            },
        },
        "Filed": {
            "type": "object", "additionalProperties": False,
            "required": ["file", "tracking_code", "warnings"],
            "properties": {
                "file": _ref("File"),
                "tracking_code": nullable({"type": "string", "description": (
                    "Code de suivi du propriétaire, donné une seule fois (201) ; null "
                    "quand la demande était déjà déposée (200).")}),
                "warnings": {"type": "array", "items": {"type": "string"}},
            },
        },
        "Change": {
            "type": "object", "additionalProperties": False,
            "required": ["cursor", "number", "event", "from_state", "to_state", "actor",
                         "reason", "at"],
            "properties": {
                "cursor": {"type": "integer", "minimum": 1},
                "number": {"type": "string", "pattern": NUMBER_PATTERN},
                "event": {"type": "string", "enum": [FILED, *(e.value for e in Event)],
                          "description": f"{FILED} : l'enregistrement du dossier."},
                "from_state": nullable(_STATE),
                "to_state": _STATE,
                "actor": {"type": "string", "enum": [k.value for k in ActorKind]},
                "reason": nullable({"type": "string"}),
                "at": _INSTANT,
            },
        },
        "Step": {
            "type": "object", "additionalProperties": False, "required": ["event"],
            "properties": {
                "event": _EVENT,
                "reason": nullable(text_schema(REASON_MAX_LENGTH,
                                               "Motif (obligatoire pour un rejet, une "
                                               "demande d'information, un classement sans "
                                               "suite).")),
            },
        },
        "BulkItem": {
            "type": "object", "additionalProperties": False, "required": ["number", "event"],
            "properties": {
                "number": {"type": "string", "pattern": NUMBER_PATTERN},
                "event": _EVENT,
                "reason": nullable(text_schema(REASON_MAX_LENGTH, "Motif.")),
            },
        },
        "BulkResult": {
            "type": "object", "additionalProperties": False,
            "required": ["index", "number", "outcome", "state", "errors"],
            "properties": {
                "index": {"type": "integer", "minimum": 0},
                "number": nullable({"type": "string"}),
                "outcome": {"type": "string", "enum": ["accepted", "rejected"]},
                "state": nullable({**_STATE, "description": "Le nouvel état (accepted)."}),
                "errors": {"type": "array", "items": {
                    "type": "object", "required": ["field", "message"],
                    "additionalProperties": False,
                    "properties": {"field": nullable({"type": "string"}),
                                   "message": {"type": "string"}}}},
            },
        },
        "Error": ERROR_SCHEMA,
    }
    def body(schema: dict[str, Any]) -> dict[str, Any]:
        return {"required": True, "content": {"application/json": {"schema": schema}}}

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Suivi des demandes d'immatriculation : API des professionnels et des "
                     "centres",
            "version": "1",
            "description": (
                "Un professionnel habilité (portée registrations:file) dépose ses demandes, "
                "les transmet, en enregistre le paiement et répond aux demandes "
                "d'information, pour ses seuls dossiers ; un centre d'instruction (portée "
                "registrations:instruct) instruit, demande des informations, valide, "
                "rejette et expédie les dossiers qui lui sont affectés. Chaque étape est "
                "un événement certifié du journal de preuves. Horodatages en UTC "
                "(ISO 8601)."),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/registrations": {"post": {
                "operationId": "fileRegistration",
                "summary": "Déposer une demande (idempotent sur provider_reference)",
                "requestBody": body(_ref("Filing")),
                "responses": {
                    "201": json_response("Dossier créé, avec le code de suivi.", _ref("Filed")),
                    "200": json_response("Même référence, même contenu : le dossier déjà "
                                         "déposé.", _ref("Filed")),
                    "409": error_response("Même référence, autre contenu."),
                    "413": error_response(f"Corps de plus de {FILE_BODY_BYTES} octets."),
                    **_refusals("registrations:file", body=True, found=False),
                },
            }},
            "/registrations/{number}": {"get": {
                "operationId": "getRegistration",
                "summary": "Un dossier et son historique daté",
                "parameters": [_number_parameter()],
                "responses": {
                    "200": json_response("Le dossier et ses étapes.", {
                        "type": "object", "additionalProperties": False,
                        "required": ["file", "timeline"],
                        "properties": {"file": _ref("File"),
                                       "timeline": {"type": "array",
                                                    "items": _ref("Change")}}}),
                    **_refusals(both, body=False),
                },
            }},
            "/registrations/{number}/submit": {"post": {
                "operationId": "submitRegistration",
                "summary": "Transmettre la demande (à compléter → en attente de paiement)",
                "parameters": [_number_parameter()],
                "responses": _step_answers("L'étape enregistrée.", "registrations:file",
                                           body=False),
            }},
            "/registrations/{number}/payment": {"post": {
                "operationId": "recordRegistrationPayment",
                "summary": "Enregistrer le paiement (→ en instruction)",
                "parameters": [_number_parameter()],
                "responses": _step_answers("L'étape enregistrée.", "registrations:file",
                                           body=False),
            }},
            "/registrations/{number}/transitions": {"post": {
                "operationId": "addRegistrationTransition",
                "summary": "Enregistrer une étape avec son motif",
                "parameters": [_number_parameter()],
                "requestBody": body(_ref("Step")),
                "responses": _step_answers("L'étape enregistrée.", both, body=True),
            }},
            "/registrations/transitions": {"post": {
                "operationId": "bulkRegistrationTransitions",
                "summary": f"Enregistrer de 1 à {BULK_MAX} étapes",
                "description": "Chaque élément est répondu, dans l'ordre : accepted avec le "
                               "nouvel état, ou rejected avec la raison (un élément refusé "
                               "n'écrit rien et laisse les autres). Plusieurs étapes d'un "
                               "même dossier se suivent dans l'ordre du tableau.",
                "requestBody": body({"type": "array", "minItems": 1, "maxItems": BULK_MAX,
                                     "items": _ref("BulkItem")}),
                "responses": {
                    "200": json_response("Une réponse par élément, dans l'ordre.", {
                        "type": "object", "additionalProperties": False,
                        "required": ["results"],
                        "properties": {"results": {"type": "array",
                                                   "items": _ref("BulkResult")}}}),
                    "413": error_response(f"Plus de {BULK_MAX} éléments, ou corps de plus "
                                          f"de {BULK_BODY_BYTES} octets."),
                    **_refusals(both, body=True, found=False),
                },
            }},
            "/registrations/changes": {"get": {
                "operationId": "listRegistrationChanges",
                "summary": "Les étapes des dossiers de l'appelant après un curseur",
                "parameters": [
                    {"name": "after", "in": "query", "required": False,
                     "description": "Le curseur de la dernière étape lue (0 : depuis le "
                                    "début).",
                     "schema": {"type": "integer", "minimum": 0,
                                "maximum": CURSOR_MAX}},
                    {"name": "limit", "in": "query", "required": False,
                     "schema": {"type": "integer", "minimum": CHANGES_LIMIT[0],
                                "maximum": CHANGES_LIMIT[2], "default": CHANGES_LIMIT[1]}},
                ],
                "responses": {
                    "200": json_response("Les étapes, les plus anciennes d'abord ; redemander "
                                         "à partir de cursor tant que more est vrai.", {
                                             "type": "object", "additionalProperties": False,
                                             "required": ["changes", "cursor", "more"],
                                             "properties": {
                                                 "changes": {"type": "array",
                                                             "items": _ref("Change")},
                                                 "cursor": {"type": "integer", "minimum": 0},
                                                 "more": {"type": "boolean"}}}),
                    "400": error_response("after ou limit hors bornes."),
                    **_refusals(both, body=False, found=False),
                },
            }},
        },
        "components": {"schemas": schemas, "securitySchemes": BEARER_SCHEME},
    }
