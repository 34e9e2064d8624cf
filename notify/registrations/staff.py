"""The staff's registration pages (``/agents``, role ``registration`` or ``admin``):
searching files, a file's page and evidence bundle, the providers' register with its
suspend / withdraw / reinstate actions, and the backlog dashboard with its CSV exports.

Every page declares its permission. A file's page and bundle are opened only once the
member has given his reason ("motif d'accès", ``notify.backoffice``), and every read,
search results included, is recorded in the access log by the operation that reads.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from notify.auth.permissions import Permission
from notify.auth.web import requires
from notify.backoffice.access import AccessAction, access_reason, registration_file
from notify.bootstrap import services
from notify.decisions.audit import export_bundle
from notify.errors import DomainError, InvalidInput, NotFound
from notify.registrations import dashboard as board
from notify.registrations import operations as ops
from notify.registrations import queries
from notify.registrations.forms import ProviderStatusForm
from notify.registrations.models import PROCEDURE_LABELS, ProviderStatus
from notify.registrations.states import FINAL_STATES, STATE_LABELS, State
from notify.web import db_session, perform, read_only
from notify.web.forms import apply_error

bp = Blueprint("registration_staff", __name__, url_prefix="/agents")

READ = Permission.STAFF_REGISTRATIONS_READ
MANAGE = Permission.STAFF_PROVIDERS_MANAGE
ACTIONS = {
    # action: (button, grounds offered, statuses it applies to)
    "suspendre": ("Suspendre l'habilitation", ops.SANCTION_GROUNDS,
                  {ProviderStatus.ACTIVE, ProviderStatus.SUSPENDED}),
    "retirer": ("Retirer l'habilitation", ops.SANCTION_GROUNDS,
                {ProviderStatus.ACTIVE, ProviderStatus.SUSPENDED}),
    "retablir": ("Rétablir l'habilitation", ops.REINSTATEMENT_GROUNDS,
                 {ProviderStatus.SUSPENDED}),
}
OPERATIONS = {"suspendre": "suspend", "retirer": "withdraw", "retablir": "reinstate"}
DONE = {"suspendre": "L'habilitation est suspendue.", "retirer": "L'habilitation est retirée.",
        "retablir": "L'habilitation est rétablie."}


def _now() -> datetime:
    return services().clock.now()


def _provider_id(value: str) -> int:
    """A provider's id in an address (a string there, so that a wrong one gets this
    page's refusal or 404, not the router's)."""
    if not value.isdigit():
        raise NotFound("Ce professionnel n'est pas au registre.")
    return int(value)


def _centre_id() -> int | None:
    value = request.args.get("centre", "")
    return int(value) if value.isdigit() else None


# --- files -------------------------------------------------------------------------


@bp.get("/immatriculations")
@requires(READ)
def search():
    text = request.args.get("q", "").strip()[:200]
    state = request.args.get("etat", "")
    state = state if state in set(State) else None
    centre_id = _centre_id()
    searched = bool(text or state or centre_id)
    found = perform(ops.staff_search, current_user.member, text, now=_now(), state=state,
                    centre_id=centre_id) if searched else []
    return render_template("registrations/staff/search.html", found=found, q=text,
                           state=state, centre_id=centre_id, searched=searched,
                           limit=queries.SEARCH_LIMIT, labels=STATE_LABELS,
                           centres=board.centres(db_session()))


@bp.get("/immatriculations/<number>")
@requires(READ)
def file(number: str):
    number = number.strip().upper()
    reason = access_reason(registration_file(number))
    s = db_session()
    view = perform(ops.staff_file, current_user.member, number, reason=reason,
                   action=AccessAction.REGISTRATION, now=_now())
    return render_template("registrations/staff/file.html",
                           t=ops.tracking(s, view, _now()), procedures=PROCEDURE_LABELS,
                           finished=State(view.application.state) in FINAL_STATES)


@bp.get("/immatriculations/<number>/preuves.zip")
@requires(READ)
def bundle(number: str):
    """The file's evidence bundle (subject ``registration:<number>``), built and checked
    by the decisions' export (certifies what is pending first)."""
    number = number.strip().upper()
    reason = access_reason(registration_file(number))
    view = perform(ops.staff_file, current_user.member, number, reason=reason,
                   action=AccessAction.BUNDLE, now=_now())
    export = export_bundle(services(), view.application.subject)
    return Response(export.data, mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="preuves-{view.application.number}.zip"'})


# --- providers ---------------------------------------------------------------------


@bp.get("/prestataires")
@requires(READ)
@read_only
def providers():
    s = db_session()
    now = _now()
    late = {row.provider_id: row for row in queries.late_files_per_provider(s, now)}
    expiring = {p.id for p, _name in queries.guarantees_expiring(s, now.date())}
    return render_template("registrations/staff/providers.html",
                           providers=queries.providers(s), late=late, expiring=expiring,
                           labels=ops.STATUS_LABELS, grounds=ops.GROUNDS)


def _provider_page(provider_id: int, forms: dict[str, ProviderStatusForm], status=200):
    s = db_session()
    provider, name = queries.provider(s, provider_id)
    if provider is None:
        raise NotFound("Ce professionnel n'est pas au registre.")
    now = _now()
    allowed = {action: form for action, form in forms.items()  # a refused one stays shown
               if ProviderStatus(provider.status) in ACTIONS[action][2] or form.errors
               or form.form_errors}
    return render_template(
        "registrations/staff/provider.html", provider=provider, name=name,
        history=ops.provider_history(s, provider_id), labels=ops.STATUS_LABELS,
        grounds=ops.GROUNDS, actions=ACTIONS, forms=allowed,
        late=queries.late_files_of_provider(s, provider_id, now, limit=50),
        in_progress=queries.files_in_progress(s, provider_id),
        may_manage=current_user.can(MANAGE), states=STATE_LABELS,
        mandate_days=services().settings.registration_mandate_days), status


def _form(action: str) -> ProviderStatusForm:
    form = ProviderStatusForm(prefix=action)
    form.legal_ground.choices = [("", "Choisir un fondement")] + list(
        ACTIONS[action][1].items())
    if action != "suspendre":
        del form.until
    return form


@bp.get("/prestataires/<provider_id>")
@requires(READ)
@read_only
def provider(provider_id: str):
    return _provider_page(_provider_id(provider_id),
                          {action: _form(action) for action in ACTIONS})


@bp.post("/prestataires/<provider_id>/<action>")
@requires(MANAGE)
def change_status(provider_id: str, action: str):
    provider_id = _provider_id(provider_id)
    if action not in ACTIONS:
        raise NotFound("Action inconnue.")
    form = _form(action)
    if form.validate_on_submit():
        try:
            if action == "suspendre" and form.until.data is None:
                raise InvalidInput("Indiquez la date de fin de la suspension.", field="until")
            perform(ops.change_provider_status, ops.Actor.staff(current_user.member.reference),
                    provider_id, OPERATIONS[action], reason=form.reason.data,
                    legal_ground=form.legal_ground.data,
                    until=form.until.data if action == "suspendre" else None, now=_now(),
                    base_url=services().settings.base_url)
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(DONE[action] + " Les dossiers en cours sont signalés et leurs propriétaires "
                  "prévenus par courriel." if action != "retablir" else DONE[action], "success")
            return redirect(url_for(".provider", provider_id=provider_id))
    forms = {name: (form if name == action else _form(name)) for name in ACTIONS}
    return _provider_page(provider_id, forms, status=400)


# --- dashboard ---------------------------------------------------------------------


def _stale_days() -> int:
    value = request.args.get("jours", "")
    days = int(value) if value.isdigit() else services().settings.registration_stale_days
    return min(max(days, 1), 3650)


def _tables(only: str | None = None) -> list[board.Table]:
    settings = services().settings
    return board.dashboard(db_session(), _now(), centre_id=_centre_id(),
                           stale_days=_stale_days(), only=only,
                           mandate_days=settings.registration_mandate_days)


@bp.get("/immatriculations/tableau-de-bord")
@requires(READ)
@read_only
def dashboard():
    return render_template("registrations/staff/dashboard.html", tables=_tables(),
                           centres=board.centres(db_session()), centre_id=_centre_id(),
                           stale_days=_stale_days(), now=_now())


def _csv_cell(value) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return "" if value is None else str(value)


@bp.get("/immatriculations/tableau-de-bord.csv")
@requires(READ)
@read_only
def dashboard_csv():
    name = request.args.get("table", "")
    if name not in board.TABLES:
        raise NotFound("Tableau inconnu. Tableaux : " + ", ".join(board.TABLES) + ".")
    [table] = _tables(only=name)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(table.columns)
    writer.writerows([_csv_cell(cell) for cell in row] for row in table.rows)
    centre = f"-centre-{_centre_id()}" if _centre_id() else ""
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="immatriculations-{name}{centre}.csv"'})
