"""Holders (the administration's register) and their personal accounts (R. 223-3-1 I)."""


def init_app(app) -> None:
    """Register the account pages and the holders' session loader on ``app``."""
    from notify.accounts.operations import account_for_login
    from notify.accounts.views import bp
    from notify.auth.permissions import PrincipalKind
    from notify.auth.principals import HolderPrincipal
    from notify.auth.web import register_loader
    from notify.web import db_session

    def load_holder(account_id: int, generation: int):
        account = account_for_login(db_session(), account_id, generation)
        return HolderPrincipal(account) if account is not None else None

    app.register_blueprint(bp)
    register_loader(app, PrincipalKind.HOLDER, load_holder)
