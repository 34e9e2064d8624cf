"""FranceConnect pages. Views parse, call one operation, commit once, render.

One redirect URI serves both uses: what the holder started (sign in, or link his
account) is kept in his session with the ``state`` and ``nonce`` of the request, and
taken out at the first return, so a return can be used only once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from notify.accounts.views import (
    end_session,
    holder_required,
    recent_login_required,
    start_session,
)
from notify.auth.web import AuthMethod
from notify.bootstrap import services
from notify.errors import DomainError, NotAllowed, NotFound
from notify.franceconnect import operations as ops
from notify.franceconnect.client import (
    Authentication,
    AuthorizationDenied,
    Provider,
    ProviderError,
    ProviderUnavailable,
)
from notify.franceconnect.forms import LicenceConfirmationForm
from notify.web import db_session, perform
from notify.web.forms import apply_error

log = logging.getLogger(__name__)

bp = Blueprint("franceconnect", __name__, url_prefix="/franceconnect")

PENDING_KEY = "franceconnect_pending"  # state, nonce, purpose, while at the provider
LINK_KEY = "franceconnect_link"  # the checked sub, until the holder confirms the link
ID_TOKEN_KEY = "franceconnect_id_token"  # sessions opened with FranceConnect: logout hint
PENDING_LIFETIME = timedelta(minutes=10)


def _now() -> datetime:
    return services().clock.now()


def _provider() -> Provider:
    settings = services().settings
    return Provider(settings.franceconnect_issuer, settings.franceconnect_client_id,
                    settings.franceconnect_client_secret)


def _external(endpoint: str) -> str:
    return services().settings.base_url + url_for(endpoint)


def _refused(title: str, message: str, status: int):
    return render_template("franceconnect/refused.html", title=title, message=message,
                           status=status), status


def _provider_failure(exc: ProviderError, step: str):
    """The French page for a failed exchange; the reason goes to the log, without tokens."""
    if isinstance(exc, ProviderUnavailable):
        log.error("FranceConnect unreachable during %s: %s", step, exc.reason)
        return _refused("FranceConnect est indisponible",
                        "FranceConnect ne répond pas pour le moment. Réessayez dans quelques "
                        "minutes, ou connectez-vous avec votre adresse électronique et votre "
                        "mot de passe.", 503)
    if isinstance(exc, AuthorizationDenied):
        log.info("FranceConnect sent back an error during %s: %s", step, exc.reason)
        if exc.reason == "access_denied":
            return _refused("Connexion annulée",
                            "Vous avez annulé la connexion ou refusé de transmettre vos "
                            "informations : rien n'a été fait. Vous pouvez recommencer quand "
                            "vous le souhaitez.", 400)
        return _refused("Connexion refusée par FranceConnect",
                        "FranceConnect n'a pas pu vous identifier. Recommencez, ou connectez-"
                        "vous avec votre adresse électronique et votre mot de passe.", 400)
    log.warning("FranceConnect answer refused during %s: %s", step, exc.reason)
    return _refused("Réponse de FranceConnect refusée",
                    "La réponse reçue de FranceConnect n'a pas pu être vérifiée : par "
                    "sécurité, vous n'êtes pas connecté. Recommencez depuis la page de "
                    "connexion.", 400)


def _begin(purpose: str, account_id: int | None = None):
    """Send the holder to FranceConnect, keeping what his return will be checked against."""
    try:
        url, pending = _provider().start(_external("franceconnect.callback"))
    except ProviderError as exc:
        return _provider_failure(exc, "start")
    session[PENDING_KEY] = {**pending, "purpose": purpose, "account_id": account_id,
                            "started_at": _now().isoformat()}
    return redirect(url)


def _fresh(started_at: str) -> bool:
    return _now() - datetime.fromisoformat(started_at) <= PENDING_LIFETIME


# --- signing in ---------------------------------------------------------------------


@bp.route("/connexion", methods=["POST"])
def sign_in():
    return _begin("sign_in")


@bp.route("/retour")
def callback():
    pending = session.pop(PENDING_KEY, None)
    if pending is None or not _fresh(pending["started_at"]):
        log.warning("FranceConnect return without a pending request (replayed or expired)")
        return _refused("Connexion expirée ou déjà utilisée",
                        "Cette réponse de FranceConnect ne correspond à aucune connexion en "
                        "cours : elle a déjà servi, elle a expiré, ou elle a été ouverte dans "
                        "un autre navigateur. Recommencez depuis la page de connexion.", 400)
    try:
        authentication = _provider().finish(pending, request.args.to_dict(),
                                            _external("franceconnect.callback"), _now())
    except ProviderError as exc:
        return _provider_failure(exc, pending["purpose"])
    if pending["purpose"] == "link":
        return _check_link(pending, authentication)
    return _signed_in(authentication)


def _signed_in(authentication: Authentication):
    try:
        account = ops.account_for_sign_in(db_session(), services().settings.franceconnect_issuer,
                                          authentication.identity.sub)
    except NotFound:
        return render_template("franceconnect/unknown.html")
    except NotAllowed as error:
        return _refused("Connexion impossible", error.message, 403)
    start_session(account, AuthMethod.FRANCECONNECT)
    session[ID_TOKEN_KEY] = authentication.id_token
    return redirect(url_for("accounts.account"))


@bp.route("/deconnexion", methods=["POST"])
@holder_required
def logout():
    """Log out here, then at FranceConnect (RP-initiated logout with the ID token)."""
    id_token = session.get(ID_TOKEN_KEY)
    end_session()
    if id_token is None:
        flash("Vous êtes déconnecté.", "info")
        return redirect(url_for("pages.home"))
    try:
        return redirect(_provider().logout_url(id_token,
                                               _external("franceconnect.logged_out")))
    except ProviderError as exc:
        log.error("FranceConnect logout failed: %s", exc.reason)
        flash("Vous êtes déconnecté de ce service, mais FranceConnect n'a pas pu être joint : "
              "fermez votre navigateur pour terminer aussi votre session FranceConnect.",
              "warning")
        return redirect(url_for("pages.home"))


@bp.route("/deconnexion/fin")
def logged_out():
    flash("Vous êtes déconnecté de ce service et de FranceConnect.", "info")
    return redirect(url_for("pages.home"))


# --- linking ------------------------------------------------------------------------


@bp.route("/liaison", methods=["GET", "POST"])
@recent_login_required
def link():
    account = current_user.account
    if ops.link_of(db_session(), account) is not None:
        flash("Votre compte est déjà lié à FranceConnect.", "info")
        return redirect(url_for("accounts.account"))
    if request.method == "POST":
        return _begin("link", account.id)
    return render_template("franceconnect/link.html")


def _check_link(pending: dict, authentication: Authentication):
    """Back from FranceConnect to link: the identity must be this account's holder."""
    if not current_user.is_authenticated or current_user.account.id != pending["account_id"]:
        return _refused("Liaison impossible",
                        "La liaison doit se terminer dans la session qui l'a commencée. "
                        "Connectez-vous avec votre mot de passe, puis recommencez depuis "
                        "votre compte.", 403)
    account = current_user.account
    try:
        ops.check_identity(account.holder, authentication.identity)
    except NotAllowed as error:
        return _refused("Identité différente", error.message, 403)
    session[LINK_KEY] = {"sub": authentication.identity.sub, "account_id": account.id,
                         "checked_at": _now().isoformat()}
    return render_template("franceconnect/confirm.html", form=LicenceConfirmationForm(),
                           identity=authentication.identity)


@bp.route("/liaison/confirmation", methods=["POST"])
@holder_required
def confirm_link():
    checked = session.get(LINK_KEY)
    account = current_user.account
    if checked is None or checked["account_id"] != account.id or not _fresh(
            checked["checked_at"]):
        session.pop(LINK_KEY, None)
        return _refused("Liaison expirée",
                        "La vérification de votre identité par FranceConnect a expiré ou "
                        "n'a pas eu lieu. Recommencez depuis votre compte.", 400)
    form = LicenceConfirmationForm()
    if form.validate_on_submit():
        try:
            perform(ops.link_account, account, issuer=services().settings.franceconnect_issuer,
                    sub=checked["sub"], licence_number=form.licence_number.data, now=_now())
        except DomainError as error:
            apply_error(form, error)
        else:
            session.pop(LINK_KEY, None)
            flash("Votre compte est lié à FranceConnect : vous pourrez désormais vous "
                  "connecter avec le bouton « S'identifier avec FranceConnect ».", "success")
            return redirect(url_for("accounts.account"))
    return render_template("franceconnect/confirm.html", form=form, identity=None)


@bp.route("/liaison/suppression", methods=["POST"])
@holder_required
def unlink():
    try:
        perform(ops.unlink_account, current_user.account, _now())
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash("Votre compte n'est plus lié à FranceConnect. Connectez-vous désormais avec "
              "votre adresse électronique et votre mot de passe.", "success")
    return redirect(url_for("accounts.account"))
