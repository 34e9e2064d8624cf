"""Holders (the administration's register) and their personal accounts (R. 223-3-1 I)."""


def init_app(app) -> None:
    """Register the accounts' login, pages, CLI commands and jobs on ``app``."""
    from notify.accounts.cli import holders
    from notify.accounts.jobs import JOBS
    from notify.accounts.login import setup_login
    from notify.accounts.pages import bp as pages_bp
    from notify.accounts.views import bp as accounts_bp
    from notify.jobs import register_jobs

    setup_login(app)
    app.register_blueprint(pages_bp)
    app.register_blueprint(accounts_bp)
    app.cli.add_command(holders)
    register_jobs(app, *JOBS)
