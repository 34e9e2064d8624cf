"""Back-office pages shared by every staff feature: the "motif d'accès" form.

A view that shows a holder's or an owner's file calls ``access_reason(file)``; when the
member has not said why he opens it yet, ``ReasonNeeded`` brings him here, and back to
the page he asked for once he has answered.
"""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_login import current_user

from notify.auth import staff as staff_ops
from notify.auth.devices import trusted_devices
from notify.auth.permissions import Permission
from notify.auth.throttle import LoginLimits
from notify.auth.web import reauthenticated, recently_authenticated, requires
from notify.backoffice import holders as holder_ops
from notify.backoffice import search as search_ops
from notify.backoffice.access import (
    ACTION_LABELS,
    AccessAction,
    Reason,
    ReasonNeeded,
    access_reason,
    give_reason,
    holder_file,
    reason_text,
)
from notify.backoffice.forms import (
    HolderSearchForm,
    JournalForm,
    ReasonForm,
    SearchForm,
    StaffReauthForm,
)
from notify.backoffice.journal import HOLDER_PAGE_MAX, JournalFilter, accesses_of_holder, journal
from notify.bootstrap import services
from notify.errors import DomainError, NotFound, TooManyAttempts
from notify.legal.policies import in_force
from notify.web import db_session, perform, read_only
from notify.web.forms import apply_error, safe_next

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


def _now():
    return services().clock.now()


def _member():
    return current_user.member


# --- search and export ----------------------------------------------------------------


@bp.get("/decisions")
@requires(Permission.STAFF_DECISIONS_READ)
def search():
    form = SearchForm(request.args)
    page = None
    if request.args and form.validate():
        page = perform(search_ops.search, _member(), form.criteria(), now=_now(),
                       after=request.args.get("apres"))
    args = {key: value for key, value in request.args.items() if key != "apres"}
    return render_template("backoffice/search.html", form=form, page=page, args=args,
                           cap=search_ops.EXPORT_CAP, channels=search_ops.CHANNEL_LABELS,
                           states=search_ops.STATE_LABELS)


@bp.get("/decisions.csv")
@requires(Permission.STAFF_DECISIONS_READ)
def export():
    """Every match (up to ``EXPORT_CAP``) as CSV, once the member has proved again that he
    holds his second factor (``NOTIFY_REAUTH_MINUTES``)."""
    if not recently_authenticated():
        return redirect(url_for("backoffice.reauthenticate", next=request.full_path))
    form = SearchForm(request.args)
    if not form.validate():
        return redirect(url_for("backoffice.search", **request.args))
    done = perform(search_ops.export, _member(), form.criteria(), now=_now())

    def lines():
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(search_ops.CSV_HEADER)
        for row in done.rows:
            writer.writerow(search_ops.csv_row(row))
            if out.tell() > 64 * 1024:
                yield out.getvalue()
                out.seek(0)
                out.truncate()
        yield out.getvalue()

    name = f"decisions-{_now():%Y%m%dT%H%M%SZ}.csv"
    return Response(lines(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "X-Notify-Export-Rows": str(len(done.rows)),
        "X-Notify-Export-Truncated": "1" if done.truncated else "0"})


@bp.route("/reauthentification", methods=["GET", "POST"])
@requires(Permission.STAFF_HOME)
def reauthenticate():
    form = StaffReauthForm()
    status = 200
    if form.validate_on_submit():
        settings = services().settings
        try:
            perform(staff_ops.reauthenticate, _member(), code=form.code.data,
                    address=request.remote_addr or "-", now=_now(),
                    limits=LoginLimits.from_settings(settings), app_secret=settings.secret_key,
                    devices=trusted_devices(), keep_refused=True)
        except DomainError as error:
            apply_error(form, error)
            status = 429 if isinstance(error, TooManyAttempts) else 200
        else:
            reauthenticated()
            return redirect(safe_next(request.args.get("next"), url_for("staff.home")))
    minutes = services().settings.reauth_minutes
    return render_template(
        "reauthenticate.html", form=form,
        explanation="Un export réunit les données de nombreux titulaires : saisissez à "
                    "nouveau le code de votre application d'authentification. Cette "
                    f"confirmation vaut {minutes} minutes."), status


# --- the access journal (admins) ------------------------------------------------------


@bp.get("/journal")
@requires(Permission.STAFF_ACCESS_LOG_READ)
@read_only
def access_journal():
    form = JournalForm(request.args)
    page = None
    if form.validate():
        filters = JournalFilter(member=(form.agent.data or "").strip() or None,
                                file=(form.dossier.data or "").strip() or None,
                                action=AccessAction(form.action.data) if form.action.data
                                else None, date_from=form.du.data, date_to=form.au.data)
        page = journal(db_session(), filters, before=request.args.get("avant"))
    args = {key: value for key, value in request.args.items() if key != "avant"}
    return render_template("backoffice/journal.html", form=form, page=page, args=args,
                           actions=ACTION_LABELS)


# --- holders --------------------------------------------------------------------------


@bp.get("/titulaires")
@requires(Permission.STAFF_DECISIONS_READ)
def holders():
    form = HolderSearchForm(request.args)
    found = more = None
    if form.q.data and form.validate():
        found, more = perform(holder_ops.find_holders, _member(), form.q.data.strip(),
                              now=_now())
    return render_template("backoffice/holders.html", form=form, found=found, more=more,
                           max=holder_ops.FOUND_MAX)


@bp.get("/titulaires/<int:holder_id>")
@requires(Permission.STAFF_DECISIONS_READ)
def holder(holder_id: int):
    holder_ops.existing_holder(db_session(), holder_id)
    reason = access_reason(holder_file(holder_id))
    file = perform(holder_ops.read_holder, _member(), holder_id, reason=reason, now=_now())
    return render_template("backoffice/holder.html", file=file, reason=reason,
                           channels=search_ops.CHANNEL_LABELS, states=search_ops.STATE_LABELS)


# --- the values and policies in force -------------------------------------------------


@bp.get("/politiques")
@requires(Permission.STAFF_HOME)
@read_only
def policies():
    values, applied = in_force(services().settings)
    return render_template("backoffice/policies.html", values=values, applied=applied)


# --- the holder's side: who looked at my file (issue #11) -----------------------------

holder_bp = Blueprint("access_log", __name__)


@holder_bp.get("/compte/acces")
@requires(Permission.HOLDER_SPACE)
@read_only
def my_file_accesses():
    account = current_user.account
    return render_template("backoffice/my_accesses.html",
                           entries=accesses_of_holder(db_session(), account.holder_id),
                           actions=ACTION_LABELS, limit=HOLDER_PAGE_MAX,
                           territory=account.holder.territory,
                           retention=services().settings.access_log_retention)
