"""Account pages. Views parse the form, call one operation, commit once, render."""

from __future__ import annotations

from datetime import datetime
from functools import wraps

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user

from notify.accounts import operations as ops
from notify.accounts.forms import (
    AccountDetailsForm,
    ActivationForm,
    ClosureForm,
    EmailChangeForm,
    ForgotPasswordForm,
    LoginForm,
    PasswordChangeForm,
    PlainForm,
    ReauthForm,
)
from notify.accounts.models import TokenPurpose
from notify.accounts.texts import ATTESTATION, CONDITIONS
from notify.auth.devices import remember_device, trusted_devices
from notify.auth.permissions import Permission
from notify.auth.principals import HolderPrincipal
from notify.auth.throttle import LoginLimits
from notify.auth.web import (
    AuthMethod,
    reauthenticated,
    recently_authenticated,
    requires,
    sign_in,
)
from notify.bootstrap import services
from notify.decisions.holder import overview as decisions_overview
from notify.errors import DomainError, TooManyAttempts
from notify.web import db_session, perform, read_only
from notify.web.forms import apply_error, safe_next

bp = Blueprint("accounts", __name__)

REGISTRATION_KEY = "registration_activation_id"
holder_required = requires(Permission.HOLDER_SPACE)


def _now() -> datetime:
    return services().clock.now()


def _current_account():
    """The logged-in account, loaded in this request's session by the login loader."""
    return current_user.account


def recent_login_required(view):
    """Sensitive changes need a password typed within the last few minutes."""

    @wraps(view)
    @holder_required
    def wrapper(*args, **kwargs):
        if not recently_authenticated():
            return redirect(url_for("accounts.reauthenticate", next=request.path))
        return view(*args, **kwargs)

    return wrapper


def start_session(account, method: AuthMethod = AuthMethod.PASSWORD) -> None:
    """Open a holder's login session (password, or FranceConnect once linked): it counts
    as a recent authentication for the sensitive changes."""
    sign_in(HolderPrincipal(account), method)


# --- registration -------------------------------------------------------------------


@bp.route("/inscription", methods=["GET", "POST"])
def register_start():
    form = ActivationForm()
    if form.validate_on_submit():
        try:
            activation = ops.check_activation(
                db_session(), form.licence_number.data, form.birth_date.data,
                form.activation_code.data, _now())
        except DomainError as error:
            apply_error(form, error)
        else:
            session[REGISTRATION_KEY] = activation.id
            return redirect(url_for("accounts.register_details"))
    return render_template("accounts/register_start.html", form=form)


@bp.route("/inscription/compte", methods=["GET", "POST"])
def register_details():
    activation_id = session.get(REGISTRATION_KEY)
    if activation_id is None:
        flash("Commencez par saisir votre numéro de permis et votre code d'activation.", "info")
        return redirect(url_for("accounts.register_start"))
    form = AccountDetailsForm()
    if form.validate_on_submit():
        try:
            perform(ops.register, activation_id=activation_id, email=form.email.data,
                    password=form.password.data,
                    accepted_conditions=form.accept_conditions.data,
                    attested_deadlines=form.attest_deadlines.data,
                    now=_now(), settings=services().settings)
        except DomainError as error:
            apply_error(form, error)
        else:
            session.pop(REGISTRATION_KEY, None)
            return redirect(url_for("accounts.register_done"))
    return render_template("accounts/register_details.html", form=form,
                           conditions=CONDITIONS, attestation=ATTESTATION)


@bp.route("/inscription/verification-envoyee")
def register_done():
    return render_template("accounts/register_done.html")


@bp.errorhandler(ops.LinkUnusable)
def link_unusable(error: ops.LinkUnusable):
    """What happened to the link, and what to do now, instead of a bare error."""
    return render_template("accounts/link_unusable.html", error=error,
                           hours=services().settings.email_token_hours), error.status


@bp.route("/compte/verification/<token>", methods=["GET", "POST"])
def verify_email(token: str):
    ops.check_link(db_session(), token, TokenPurpose.VERIFY_EMAIL, _now())
    form = PlainForm()
    if form.validate_on_submit():
        purpose = perform(ops.verify_email, token, _now(), services().settings)
        if purpose == "opening":
            flash("Votre adresse est vérifiée : votre compte est ouvert. Connectez-vous.",
                  "success")
        else:
            flash("Votre nouvelle adresse électronique est vérifiée et sera désormais utilisée.",
                  "success")
        return redirect(url_for("accounts.account" if current_user.can(Permission.HOLDER_SPACE)
                                else "accounts.login"))
    # Opening the link only shows a button: mail scanners that prefetch links must not
    # consume it.
    return render_template("accounts/verify_email.html", form=form)


# --- login --------------------------------------------------------------------------


@bp.route("/connexion", methods=["GET", "POST"])
def login():
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            account = perform(
                ops.authenticate, form.email.data, form.password.data,
                request.remote_addr or "-", _now(),
                LoginLimits.from_settings(services().settings), trusted_devices(),
                keep_refused=True)  # keep the failure count
        except ops.AccountNotOpen as error:
            settings = services().settings
            sent = perform(ops.resend_verification, error.account_id, _now(), settings)
            form.form_errors.append(
                "Votre compte n'est pas encore ouvert : confirmez votre adresse électronique "
                + (f"avec le lien que nous venons de vous envoyer (valable "
                   f"{settings.email_token_hours} heures)." if sent else
                   "avec le lien envoyé il y a quelques minutes."))
        except DomainError as error:
            apply_error(form, error)
            status = 429 if isinstance(error, TooManyAttempts) else 200
        else:
            start_session(account)
            response = redirect(safe_next(request.args.get("next"),
                                          url_for("accounts.account")))
            remember_device(response, ops.holder_principal(account))
            return response
    return render_template("accounts/login.html", form=form), status


@bp.route("/deconnexion", methods=["POST"])
@holder_required
def logout():
    form = PlainForm()
    if form.validate_on_submit():
        end_session()
        flash("Vous êtes déconnecté.", "info")
    return redirect(url_for("pages.home"))


def end_session() -> None:
    """Log out: this session, and every other one of the account (the generation moves)."""
    perform(lambda _session, account: ops.end_other_sessions(account), _current_account())
    logout_user()
    session.clear()


@bp.route("/compte/reauthentification", methods=["GET", "POST"])
@holder_required
def reauthenticate():
    form = ReauthForm()
    if form.validate_on_submit():
        try:
            ops.confirm_password(_current_account(), form.password.data)
        except DomainError as error:
            apply_error(form, error)
        else:
            reauthenticated()
            return redirect(safe_next(request.args.get("next"), url_for("accounts.account")))
    return render_template(
        "reauthenticate.html", form=form,
        explanation="Pour cette opération, saisissez à nouveau votre mot de passe.")


@bp.route("/mot-de-passe/oubli", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        perform(ops.request_password_reset, form.email.data, _now(), services().settings)
        flash("Si cette adresse correspond à un compte, un lien de réinitialisation vient "
              "d'y être envoyé.", "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/mot-de-passe/nouveau/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    ops.check_link(db_session(), token, TokenPurpose.RESET_PASSWORD, _now())
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            perform(ops.reset_password, token, form.new_password.data, _now(),
                    services().settings)
        except DomainError as error:
            apply_error(form, error)
        else:
            logout_user()
            session.clear()
            flash("Votre mot de passe a été changé. Connectez-vous.", "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/new_password.html", form=form,
                           title="Choisir un nouveau mot de passe")


# --- the account --------------------------------------------------------------------


@bp.route("/compte")
@holder_required
@read_only
def account():
    acc = _current_account()
    return render_template("accounts/account.html", account=acc, holder=acc.holder,
                           overview=decisions_overview(db_session(), acc.holder, _now()),
                           texts={CONDITIONS.version: CONDITIONS,
                                  ATTESTATION.version: ATTESTATION},
                           now=_now(), withdraw_form=PlainForm(), logout_form=PlainForm())


@bp.route("/compte/courriel", methods=["GET", "POST"])
@recent_login_required
def change_email():
    form = EmailChangeForm()
    if form.validate_on_submit():
        try:
            perform(ops.request_email_change, _current_account(), form.new_email.data, _now(),
                    services().settings)
        except DomainError as error:
            apply_error(form, error)
        else:
            flash("Un lien de vérification a été envoyé à la nouvelle adresse. Elle ne sera "
                  "utilisée qu'une fois vérifiée.", "info")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/change_email.html", form=form)


@bp.route("/compte/mot-de-passe", methods=["GET", "POST"])
@recent_login_required
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        acc = _current_account()
        try:
            perform(ops.change_password, acc, form.new_password.data, _now(),
                    services().settings)
        except DomainError as error:
            apply_error(form, error)
        else:
            start_session(acc)  # this session stays; the others end with the generation
            flash("Votre mot de passe a été changé. Vos autres sessions ont été fermées.",
                  "success")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/new_password.html", form=form,
                           title="Changer mon mot de passe")


@bp.route("/compte/fermeture", methods=["GET", "POST"])
@recent_login_required
def request_closure():
    form = ClosureForm()
    acc = _current_account()
    if form.validate_on_submit():
        try:
            perform(ops.request_closure, acc, confirmed=form.confirm.data, now=_now(),
                    settings=services().settings)
        except DomainError as error:
            apply_error(form, error)
        else:
            flash("Votre demande de fermeture est enregistrée.", "success")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/closure.html", form=form, account=acc,
                           delay=services().settings.closure_delay)


@bp.route("/compte/fermeture/annulation", methods=["POST"])
@recent_login_required
def withdraw_closure():
    form = PlainForm()
    if form.validate_on_submit():
        try:
            perform(ops.withdraw_closure, _current_account(), _now(), services().settings)
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash("Votre demande de fermeture est retirée : votre compte reste ouvert.",
                  "success")
    return redirect(url_for("accounts.account"))
