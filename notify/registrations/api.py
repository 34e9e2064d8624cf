"""The registrations API (``/api/v1/registrations…``) of providers' and centres' systems.

Thin views: the bearer token's client (``notify.auth.web.api_client``) becomes an
``Actor`` (``operations.api_actor``: a ``registrations:file`` client is its provider,
refused with the reason while suspended or withdrawn; a ``registrations:instruct``
client its centre), the body is read by ``notify.web.json_input.request_json``, one
operation runs through ``perform`` (one commit; a refused request writes nothing), and
the answer is JSON. Another organisation's file answers 404, as an unknown number
does. Errors: ``{"error": {"status", "message"}}``, in French (``notify.web.errors``).
Described by ``openapi.py`` at ``/api/v1/registrations/openapi.json``.
"""

from __future__ import annotations

import re
from typing import Any

from flask import jsonify, request

from notify.auth.permissions import REGISTRATIONS_FILE, REGISTRATIONS_INSTRUCT, Permission
from notify.auth.web import api_client
from notify.bootstrap import services
from notify.errors import InvalidInput
from notify.evidence.log import format_instant
from notify.registrations import operations as ops
from notify.registrations.models import Application, Centre
from notify.registrations.openapi import (
    BULK_BODY_BYTES,
    CHANGES_LIMIT,
    CURSOR_MAX,
    FILE_BODY_BYTES,
    openapi_document,
)
from notify.registrations.states import STATE_LABELS, ActorKind, State, events_from
from notify.web import db_session, perform
from notify.web.api import api_blueprint
from notify.web.json_input import request_json

bp = api_blueprint("registrations_api", __name__)

BOTH = (REGISTRATIONS_FILE, REGISTRATIONS_INSTRUCT)


def _actor(*scopes) -> ops.Actor:
    principal = api_client(*scopes)
    kind = (ActorKind.PROVIDER if principal.can(Permission.API_REGISTRATIONS_FILE)
            else ActorKind.CENTRE)
    return ops.api_actor(db_session(), kind, principal.client.organisation_id,
                         services().clock.now())


def _instant(value) -> str | None:
    return format_instant(value) if value is not None else None


def _file(application: Application, actor: ops.Actor, centre: Centre | None
          ) -> dict[str, Any]:
    return {
        "number": application.number, "national_number": application.national_number,
        "procedure": application.procedure, "vin": application.vin,
        "plate": application.plate, "plate_format": application.plate_format,
        "applicant": {"name": application.applicant_name,
                      "email": application.applicant_email},
        "provider_reference": application.provider_reference,
        "centre": centre.code if centre else None,
        "state": application.state, "state_label": STATE_LABELS[State(application.state)],
        "state_since": _instant(application.state_since_at),
        "information_service": application.information_service,
        "last_reason": application.last_reason,
        "next_events": [str(e) for e in events_from(State(application.state), actor.kind)],
        "mandate_signed_at": _instant(application.mandate_signed_at),
        "transmit_by": _instant(application.transmit_by_at),
        "submitted_at": _instant(application.submitted_at),
        "filed_at": _instant(application.filed_at),
        "provider_flag": application.provider_flag,
    }


def _change(change: ops.Change) -> dict[str, Any]:
    return {"cursor": change.cursor, "number": change.number, "event": change.event,
            "from_state": change.from_state, "to_state": change.to_state,
            "actor": change.actor, "reason": change.reason, "at": _instant(change.at)}


def _now_and_base() -> dict[str, Any]:
    return {"now": services().clock.now(), "base_url": services().settings.base_url}


@bp.post("/registrations")
def create():
    actor = _actor(REGISTRATIONS_FILE)
    body = request_json(max_bytes=FILE_BODY_BYTES)
    settings = services().settings
    filed = perform(ops.file_application, actor, body, now=services().clock.now(),
                    mandate_days=settings.registration_mandate_days,
                    test_domains=not settings.is_production)
    application = filed.application
    centre = db_session().get(Centre, application.centre_id) if application.centre_id else None
    answer = jsonify({"file": _file(application, actor, centre),
                      "tracking_code": filed.tracking_code,
                      "warnings": list(filed.warnings)})
    answer.status_code = 200 if filed.duplicate else 201
    answer.headers["Location"] = f"/api/v1/registrations/{filed.application.number}"
    return answer


# A number has 12 characters (``operations.NUMBER_PATTERN``): the converter keeps the
# routes /registrations/transitions and /changes from reading as a file's (a wrong
# method on them answers 405 with their own methods only).
@bp.get("/registrations/<string(length=12):number>")
def read(number: str):
    actor = _actor(*BOTH)
    view = perform(ops.read_application, actor, number)
    return jsonify({"file": _file(view.application, actor, view.centre),
                    "timeline": [_change(ops.Change.of(row, view.application.number))
                                 for row in view.timeline]})


def _step(operation, number: str, *args, **kwargs):
    row = perform(operation, *args, **kwargs, **_now_and_base())
    return jsonify(_change(ops.Change.of(row, number.strip().upper())))


@bp.post("/registrations/<string(length=12):number>/submit")
def submit(number: str):
    return _step(ops.submit, number, _actor(REGISTRATIONS_FILE), number)


@bp.post("/registrations/<string(length=12):number>/payment")
def record_payment(number: str):
    return _step(ops.record_payment, number, _actor(REGISTRATIONS_FILE), number)


@bp.post("/registrations/<string(length=12):number>/transitions")
def transition(number: str):
    actor = _actor(*BOTH)
    body = request_json(max_bytes=FILE_BODY_BYTES)
    if not isinstance(body, dict):
        raise InvalidInput("Le corps doit être un objet JSON {event, reason}.")
    if "number" in body:
        raise InvalidInput("Le numéro est celui de l'adresse : ôtez le champ number.")
    step = ops.parse_step({**body, "number": number})
    return _step(ops.transition, number, actor, step.number, step.event, reason=step.reason)


@bp.post("/registrations/transitions")
def bulk():
    actor = _actor(*BOTH)
    body = request_json(max_bytes=BULK_BODY_BYTES)
    if not isinstance(body, list):
        raise InvalidInput("Le corps doit être un tableau JSON de mises à jour.")
    if not body:
        raise InvalidInput("Le tableau doit contenir au moins une mise à jour.")
    results = perform(ops.bulk_transition, actor, body, **_now_and_base())
    return jsonify({"results": [result.as_json() for result in results]})


_DIGITS = re.compile(r"[0-9]{1,10}")


def _query_int(name: str, default: int, minimum: int, maximum: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not _DIGITS.fullmatch(raw) or not minimum <= int(raw) <= maximum:
        raise InvalidInput(f"Paramètre {name} : entier de {minimum} à {maximum} attendu.")
    return int(raw)


@bp.get("/registrations/changes")
def changes():
    actor = _actor(*BOTH)
    after = _query_int("after", 0, 0, CURSOR_MAX)
    limit = _query_int("limit", CHANGES_LIMIT[1], 1, CHANGES_LIMIT[2])
    found, cursor = perform(ops.changes_since, actor, after, limit=limit)
    return jsonify({"changes": [_change(c) for c in found], "cursor": cursor,
                    "more": len(found) == limit})


@bp.get("/registrations/openapi.json")
def openapi():
    return jsonify(openapi_document())
