"""Vehicle registration files (issue #9): the state machine, the numbers, the
operations, the partners' API (``/api/v1/registrations…``), the owner's tracking pages."""


def init_app(app) -> None:
    """Register the registrations' blueprint and job on ``app``."""
    from notify.jobs import register_jobs
    from notify.registrations.api import bp as api_bp
    from notify.registrations.jobs import JOBS
    from notify.registrations.views import bp

    app.register_blueprint(api_bp)
    app.register_blueprint(bp)
    register_jobs(app, *JOBS)
