"""Holders (the administration's register) and their personal accounts (R. 223-3-1 I)."""


def init_app(app) -> None:
    """Register the accounts' pages, session loader, CLI commands and jobs on ``app``."""
    from notify.accounts.cli import holders
    from notify.accounts.jobs import JOBS
    from notify.accounts.operations import account_by_id, holder_for_login
    from notify.accounts.pages import bp as pages_bp
    from notify.accounts.views import bp as accounts_bp
    from notify.auth.permissions import PrincipalKind
    from notify.auth.principals import HolderPrincipal, SessionId
    from notify.auth.web import register_loader
    from notify.jobs import register_jobs
    from notify.web import db_session

    def load_holder(account_id: int, generation: int):
        holder = holder_for_login(db_session(), account_id, generation)
        if holder is None:
            return None
        return HolderPrincipal(SessionId(account_id, generation), holder=holder,
                               load_account=lambda: account_by_id(db_session(), account_id))

    app.register_blueprint(pages_bp)
    app.register_blueprint(accounts_bp)
    register_loader(app, PrincipalKind.HOLDER, load_holder)
    app.cli.add_command(holders)
    register_jobs(app, *JOBS)
