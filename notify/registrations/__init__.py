"""Vehicle registration files (issue #9, phase 1): the state machine, the numbers, the
operations phase 2's API and staff pages will call, the owner's tracking pages."""


def init_app(app) -> None:
    """Register the registrations' blueprint on ``app``."""
    from notify.registrations.views import bp

    app.register_blueprint(bp)
