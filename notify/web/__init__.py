"""What every blueprint shares: sessions, login, CSRF, security headers, errors, layout."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, g, send_from_directory
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from notify.bootstrap import services

log = logging.getLogger(__name__)

DSFR_DIST = Path(__file__).resolve().parent.parent.parent / "node_modules/@gouvfr/dsfr/dist"

csrf = CSRFProtect()


def db_session():
    """The request's session: opened on first use, rolled back and closed at teardown.

    Views commit it once, after the operation succeeded; whatever was not committed
    is rolled back when the request ends.
    """
    if "db_session" not in g:
        g.db_session = services().db.session_factory()
    return g.db_session


def _close_session(_exc) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.rollback()
        session.close()


def _setup_login(app: Flask) -> None:
    from notify.accounts.operations import account_for_login

    manager = LoginManager()
    manager.login_view = "accounts.login"
    manager.login_message = "Connectez-vous pour accéder à cette page."
    manager.login_message_category = "info"
    manager.session_protection = "strong"
    manager.user_loader(lambda user_id: LoggedIn.wrap(account_for_login(db_session(), user_id)))
    manager.init_app(app)


class LoggedIn:
    """Flask-Login's view of an account: the id carries the session generation."""

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def __init__(self, account) -> None:
        self.account = account

    @classmethod
    def wrap(cls, account):
        return cls(account) if account is not None else None

    def get_id(self) -> str:
        return f"{self.account.id}:{self.account.session_generation}"


def _setup_assets(app: Flask) -> None:
    available = (DSFR_DIST / "dsfr.min.css").exists()
    if not available:
        log.warning("DSFR assets not found in %s: pages are served unstyled "
                    "(run `make assets`)", DSFR_DIST)

    @app.route("/static/dsfr/<path:filename>")
    def dsfr_asset(filename: str):
        return send_from_directory(DSFR_DIST, filename, max_age=86400)

    app.jinja_env.globals["dsfr_available"] = available


def setup_web(app: Flask) -> None:
    from notify.web import errors, formatting, security

    settings = app.extensions["notify"].settings
    app.teardown_appcontext(_close_session)
    csrf.init_app(app)
    _setup_login(app)
    _setup_assets(app)
    security.init_app(app)
    errors.init_app(app)
    formatting.init_app(app)
    app.jinja_env.globals["state_brand"] = settings.state_brand
    app.jinja_env.globals["demo_mode"] = settings.mode == "demo"

    from notify.accounts.views import bp as accounts_bp
    from notify.web.pages import bp as pages_bp

    app.register_blueprint(pages_bp)
    app.register_blueprint(accounts_bp)

    from notify import decisions, evidence, registrations

    evidence.init_app(app)
    decisions.init_app(app)
    registrations.init_app(app)
    if settings.mode == "demo":
        from notify.demo.views import bp as demo_bp

        app.register_blueprint(demo_bp)
