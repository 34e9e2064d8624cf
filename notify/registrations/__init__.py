"""Vehicle registration files (issue #9, phase 1): the state machine, the numbers, the
operations phase 2's API and staff pages will call, the owner's tracking pages."""


def init_app(app) -> None:
    """Register the registrations' blueprint and job on ``app``."""
    from notify.jobs import register_jobs
    from notify.registrations.jobs import JOBS
    from notify.registrations.views import bp

    app.register_blueprint(bp)
    register_jobs(app, *JOBS)
