"""Decisions withdrawing or restoring points: deposit, routing, consultation, notification."""


def init_app(app) -> None:
    """Register the decisions' blueprints, CLI commands and jobs on ``app``."""
    from notify.decisions.api import bp as api_bp
    from notify.decisions.cli import postal_group
    from notify.decisions.jobs import JOBS
    from notify.decisions.views import bp as holder_bp
    from notify.jobs import register_jobs

    app.register_blueprint(api_bp)
    app.register_blueprint(holder_bp)
    app.cli.add_command(postal_group)
    register_jobs(app, *JOBS)
