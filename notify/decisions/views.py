"""The holder's decision pages. Views parse, call one operation, commit once, render.

Opening a decision's page or its PDF is a consultation in the sense of R. 223-3-1 III
(``notify.decisions.holder.consult``): it is a GET because it is exactly what the
holder does, and it is safe from link scanners because the alert e-mail only links to
the list, and every page needs the holder's login.
"""

from __future__ import annotations

import hashlib
import logging

from flask import Blueprint, Response, render_template
from flask_login import current_user

from notify.auth.permissions import Permission
from notify.auth.web import requires, session_auth_method
from notify.bootstrap import services
from notify.decisions import holder as ops
from notify.decisions.letters import render_letter
from notify.decisions.record import render_record
from notify.web import db_session, perform, read_only

log = logging.getLogger(__name__)

bp = Blueprint("holder_decisions", __name__)


def _holder():
    """The holder's register entry, read by the session loader (a plain row): for the
    pages that only read."""
    return current_user.holder


@bp.get("/decisions")
@requires(Permission.HOLDER_SPACE)
@read_only
def decisions():
    return render_template("decisions/holder/list.html",
                           decisions=ops.holder_decisions(db_session(), _holder()))


def _consulting_holder():
    """The ORM holder with his account: a consultation records the account."""
    return current_user.account.holder


def _consult(reference: str, via: str):
    """The holder opens his decision: record the consultation, commit, return it."""
    return perform(ops.consult, _consulting_holder(), reference,
                   now=services().clock.now(), via=via,
                   policy=services().settings.notification_policy,
                   authentication=str(session_auth_method()))


@bp.get("/compte/releve.pdf")
@requires(Permission.HOLDER_SPACE)
@read_only
def record_pdf():
    """The holder's record as a PDF. Read only: not a consultation of any decision."""
    holder = _holder()
    now = services().clock.now()
    pdf = render_record(holder, ops.overview(db_session(), holder, now), now)
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = 'attachment; filename="releve-points.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/decisions/<reference>")
@requires(Permission.HOLDER_SPACE)
def decision(reference: str):
    holder = _consulting_holder()
    shown = _consult(reference, ops.VIA_PAGE)
    letter = None if shown.purged else ops.letter_parts(shown.decision, holder)
    return render_template("decisions/holder/decision.html", shown=shown, letter=letter,
                           retention=services().settings.retention_period)


@bp.get("/decisions/<reference>/courrier.pdf")
@requires(Permission.HOLDER_SPACE)
def letter_pdf(reference: str):
    holder = _consulting_holder()
    shown = _consult(reference, ops.VIA_PDF)
    if shown.purged:
        return render_template("decisions/holder/decision.html", shown=shown, letter=None,
                               retention=services().settings.retention_period), 410
    pdf = render_letter(ops.letter_of(shown.decision, holder))
    if hashlib.sha256(pdf).hexdigest() != shown.decision.letter_sha256:
        # The letter is rendered again from the decision; its hash is in the deposit
        # event. A difference means the renderer changed since the deposit.
        log.error("letter of decision %s differs from the deposited one", reference)
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'inline; filename="decision-{shown.reference}.pdf"')
    response.headers["Cache-Control"] = "no-store"
    return response
