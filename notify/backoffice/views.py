"""Back-office pages shared by every staff feature: the "motif d'accès" form.

A view that shows a holder's or an owner's file calls ``access_reason(file)``; when the
member has not said why he opens it yet, ``ReasonNeeded`` brings him here, and back to
the page he asked for once he has answered.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from notify.auth.permissions import Permission
from notify.auth.web import requires
from notify.backoffice.access import Reason, ReasonNeeded, give_reason, reason_text
from notify.backoffice.forms import ReasonForm
from notify.errors import NotFound
from notify.web.forms import safe_next

bp = Blueprint("backoffice", __name__, url_prefix="/agents")

FILE_KINDS = {"holder": "le dossier d'un titulaire",
              "registration": "un dossier d'immatriculation"}


@bp.route("/motif", methods=["GET", "POST"])
@requires(Permission.STAFF_HOME)
def reason():
    file = request.args.get("dossier", "")
    kind = file.partition(":")[0]
    if kind not in FILE_KINDS or not file.partition(":")[2]:
        raise NotFound("Ce lien ne désigne aucun dossier : revenez à la page précédente.")
    back = safe_next(request.args.get("suite"), url_for("staff.home"))
    form = ReasonForm()
    if form.validate_on_submit():
        give_reason(file, reason_text(Reason(form.reason.data), form.detail.data))
        return redirect(back)
    return render_template("backoffice/reason.html", form=form, what=FILE_KINDS[kind],
                           back=back)


def ask_reason(error: ReasonNeeded):
    """Send the member to the reason form, then back to the page he asked for."""
    return redirect(url_for("backoffice.reason", dossier=error.file, suite=request.full_path))
