"""The owner's pages: tracking with the file number and code, and the holder's list.

Views parse, call one operation, commit once, render. After a right number and code,
the file's id is kept in the (signed, HttpOnly) session so that the file's page has no
number in its address, and the e-mail preference can be changed without typing the
code again.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user

from notify.accounts.views import holder_required
from notify.auth.throttle import LoginLimits
from notify.bootstrap import services
from notify.errors import DomainError, TooManyAttempts
from notify.registrations import operations as ops
from notify.registrations.forms import MailPreferenceForm, TrackingForm
from notify.registrations.models import PROCEDURE_LABELS
from notify.registrations.states import OWNER_ACTION_STATES, STATE_LABELS
from notify.web import db_session, perform, read_only
from notify.web.forms import apply_error

bp = Blueprint("registrations", __name__)

TRACKED = "registration_tracked"


def _render_file(tracking: ops.Tracking, *, form=None, holder_view=False):
    return render_template("registrations/file.html", t=tracking,
                           procedures=PROCEDURE_LABELS, form=form, holder_view=holder_view,
                           ww_months=services().settings.registration_ww_months)


@bp.route("/immatriculation/suivi", methods=["GET", "POST"])
def track():
    form = TrackingForm()
    status = 200
    if form.validate_on_submit():
        try:
            application = perform(ops.track, form.number.data, form.code.data,
                                  address=request.remote_addr or "-",
                                  now=services().clock.now(),
                                  limits=LoginLimits.from_settings(services().settings),
                                  keep_refused=True)  # keep the failure count
        except DomainError as error:
            apply_error(form, error)
            status = 429 if isinstance(error, TooManyAttempts) else 200
        else:
            session[TRACKED] = application.id
            return redirect(url_for("registrations.tracked_file"))
    return render_template("registrations/track.html", form=form), status


@bp.get("/immatriculation/suivi/dossier")
@read_only
def tracked_file():
    application_id = session.get(TRACKED)
    if application_id is None:
        return redirect(url_for("registrations.track"))
    s = db_session()
    tracking = ops.tracking(s, ops.owner_file(s, application_id), services().clock.now())
    form = MailPreferenceForm(enabled=tracking.file.application.owner_mail)
    return _render_file(tracking, form=form)


@bp.post("/immatriculation/suivi/courriels")
def mail_preference():
    application_id = session.get(TRACKED)
    if application_id is None:
        return redirect(url_for("registrations.track"))
    form = MailPreferenceForm()
    if form.validate_on_submit():
        perform(lambda s: ops.set_owner_mail(s, ops.owner_file(s, application_id).application,
                                             bool(form.enabled.data)))
    return redirect(url_for("registrations.tracked_file"))


@bp.post("/immatriculation/suivi/fin")
def stop_tracking():
    if MailPreferenceForm().validate_on_submit():
        session.pop(TRACKED, None)
    return redirect(url_for("registrations.track"))


@bp.get("/compte/immatriculations")
@holder_required
@read_only
def holder_files():
    files = ops.files_of_account(db_session(), current_user.account)
    return render_template("registrations/holder_list.html", files=files,
                           procedures=PROCEDURE_LABELS, labels=STATE_LABELS,
                           action_states=OWNER_ACTION_STATES)


@bp.get("/compte/immatriculations/<number>")
@holder_required
@read_only
def holder_file(number: str):
    s = db_session()
    view = ops.file_of_account(s, current_user.account, number)
    return _render_file(ops.tracking(s, view, services().clock.now()), holder_view=True)
