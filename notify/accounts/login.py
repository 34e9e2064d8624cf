"""Flask-Login for holders: the session carries the account id and its generation, so
that ending the other sessions (password change, closure) logs them out."""

from __future__ import annotations

from flask import Flask
from flask_login import LoginManager

from notify.web import db_session


def setup_login(app: Flask) -> None:
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
