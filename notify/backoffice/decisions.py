"""A decision's pages for legal staff (``/agents/decisions/<reference>…``).

Each view first finds the decision's holder and asks the member's reason for opening
his file (``access_reason``: the "motif d'accès" form on first opening), then records
the read (``record_access``, one commit through ``perform``) before it builds anything:
the bundle, the verification and the attestation then run their own transactions
(certification on demand), with none of the request's held. Nothing here is the
holder's consultation: the decision's row and its chain are only read.
"""

from __future__ import annotations

from flask import Response, render_template
from flask_login import current_user

from notify.auth.permissions import Permission
from notify.auth.web import requires
from notify.backoffice import decision_file as ops
from notify.backoffice.access import (
    AccessAction,
    Accessed,
    access_reason,
    holder_file,
    record_access,
)
from notify.backoffice.attestation import render_attestation
from notify.backoffice.views import bp
from notify.bootstrap import services
from notify.decisions.audit import export_bundle
from notify.decisions.models import subject_of
from notify.evidence.texts import utc_time
from notify.web import db_session, perform
from notify.web.forms import Form


class VerifyForm(Form):
    """« Vérifier maintenant »: a button and its CSRF token."""


def _read(reference: str, action: AccessAction) -> None:
    """Refuse an unknown reference (404), ask the reason on first opening, record the
    read and commit it."""
    file = holder_file(ops.holder_of(db_session(), reference))
    reason = access_reason(file)
    perform(record_access, current_user.member, action, now=services().clock.now(),
            read=[Accessed(file, reference)], reason=reason)


def _page(reference: str, verification: ops.Verification | None = None):
    return render_template("backoffice/decision.html",
                           file=ops.decision_file(db_session(), reference),
                           verification=verification, form=VerifyForm(), utc_time=utc_time)


@bp.get("/decisions/<reference>")
@requires(Permission.STAFF_DECISIONS_READ)
def decision(reference: str):
    _read(reference, AccessAction.DECISION)
    return _page(reference)


@bp.post("/decisions/<reference>/verification")
@requires(Permission.STAFF_EVIDENCE_READ)
def verify(reference: str):
    # The CSRF token is checked before the view (``notify.web.csrf``).
    _read(reference, AccessAction.VERIFICATION)
    return _page(reference, ops.verify_decision(services(), reference))


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/decisions/<reference>/preuves.zip")
@requires(Permission.STAFF_EVIDENCE_READ)
def bundle(reference: str):
    _read(reference, AccessAction.BUNDLE)
    export = export_bundle(services(), subject_of(reference))
    return _download(export.data, "application/zip", f"preuves-{reference}.zip")


@bp.get("/decisions/<reference>/attestation.pdf")
@requires(Permission.STAFF_EVIDENCE_READ)
def attestation(reference: str):
    _read(reference, AccessAction.ATTESTATION)
    pdf = render_attestation(ops.attestable(services(), db_session(), reference))
    return _download(pdf, "application/pdf", f"attestation-{reference}.pdf")
