"""Staff pages (``/agents``): enrolment, login with a second factor, logout, home.

Views parse the form, call one operation, commit once, render. Every page but the
login and enrolment ones declares its permission (``requires``).
"""

from __future__ import annotations

import segno
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user

from notify.auth import staff as ops
from notify.auth import totp
from notify.auth.devices import remember_device, trusted_devices
from notify.auth.forms import EnrolPasswordForm, StaffLoginForm, TotpConfirmForm
from notify.auth.models import StaffMember
from notify.auth.permissions import Permission
from notify.auth.principals import StaffPrincipal
from notify.auth.throttle import LoginLimits
from notify.auth.web import requires, sign_in
from notify.bootstrap import services
from notify.errors import DomainError, NotFound, TooManyAttempts
from notify.web import db_session, perform
from notify.web.forms import apply_error, safe_next

bp = Blueprint("staff", __name__, url_prefix="/agents")

ENROLLING_KEY = "staff_enrolling_id"

STAFF_SECTIONS = (
    ("backoffice.search", Permission.STAFF_DECISIONS_READ, "Rechercher des décisions"),
    ("backoffice.holders", Permission.STAFF_DECISIONS_READ, "Trouver un titulaire"),
    ("backoffice.access_journal", Permission.STAFF_ACCESS_LOG_READ, "Journal des accès"),
    ("backoffice.policies", Permission.STAFF_HOME, "Valeurs et politiques en vigueur"),
)
"""The home page's links: (endpoint, permission it needs, label); a member sees those his
permissions allow."""


def _now():
    return services().clock.now()


@bp.route("/connexion", methods=["GET", "POST"])
def login():
    form = StaffLoginForm()
    status = 200
    if form.validate_on_submit():
        settings = services().settings
        try:
            member = perform(
                ops.authenticate, email=form.email.data, password=form.password.data,
                code=form.code.data, address=request.remote_addr or "-", now=_now(),
                limits=LoginLimits.from_settings(settings), app_secret=settings.secret_key,
                devices=trusted_devices(),
                keep_refused=True)  # keep the failure count and the refusal event
        except DomainError as error:
            apply_error(form, error)
            status = 429 if isinstance(error, TooManyAttempts) else 200
        else:
            sign_in(StaffPrincipal(member))
            response = redirect(safe_next(request.args.get("next"), url_for("staff.home")))
            remember_device(response, ops.staff_principal(member))
            return response
    return render_template("staff/login.html", form=form), status


@bp.post("/deconnexion")
@requires(Permission.STAFF_HOME)
def logout():
    perform(ops.log_out, current_user.member, _now())
    logout_user()
    session.clear()
    flash("Vous êtes déconnecté.", "info")
    return redirect(url_for("staff.login"))


@bp.get("/")
@requires(Permission.STAFF_HOME)
def home():
    settings = services().settings
    return render_template("staff/home.html", member=current_user.member,
                           role=current_user.role, permissions=current_user.permissions,
                           sections=STAFF_SECTIONS, idle_minutes=settings.staff_idle_minutes,
                           session_hours=settings.staff_session_minutes // 60)


# --- enrolment ----------------------------------------------------------------------


@bp.route("/inscription/<token>", methods=["GET", "POST"])
def enrol(token: str):
    """First step: the link from the operator; choose the password."""
    member = ops.member_for_enrolment(db_session(), token, _now())
    form = EnrolPasswordForm()
    if form.validate_on_submit():
        try:
            perform(ops.choose_password, member, form.password.data,
                    services().settings.secret_key)
        except DomainError as error:
            apply_error(form, error)
        else:
            session.clear()
            session[ENROLLING_KEY] = member.id
            return redirect(url_for("staff.enrol_second_factor"))
    return render_template("staff/enrol_password.html", form=form, member=member)


@bp.route("/inscription/second-facteur", methods=["GET", "POST"])
def enrol_second_factor():
    """Second step: the TOTP key (URI and QR code) and a first code to prove it works.
    On success the recovery codes are shown, once, in the answer itself."""
    member = db_session().get(StaffMember, session.get(ENROLLING_KEY) or 0)
    if member is None or member.enrolled_at is not None or member.totp_secret is None:
        raise NotFound(ops.BAD_ENROLMENT_LINK)
    app_secret = services().settings.secret_key
    form = TotpConfirmForm()
    if form.validate_on_submit():
        try:
            codes = perform(ops.confirm_enrolment, member, form.code.data, app_secret, _now())
        except DomainError as error:
            apply_error(form, error)
        else:
            session.pop(ENROLLING_KEY, None)
            return render_template("staff/recovery_codes.html", codes=codes)
    secret = ops.totp_secret_of(member, app_secret)
    uri = totp.provisioning_uri(secret, member.email)
    qr = segno.make(uri, error="m").svg_inline(
        scale=5, border=4, dark="#000", light="#fff", svgclass="staff-qr",
        title="QR code de la clé de votre application d'authentification")
    spaced = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    return render_template("staff/enrol_second_factor.html", form=form, member=member,
                           uri=uri, qr=qr, secret=spaced)
