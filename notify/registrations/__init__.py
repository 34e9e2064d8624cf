"""Vehicle registration files (issue #9): the state machine, the numbers, the operations,
the partners' API (``api.py``, ``/api/v1/registrations…``), the owner's tracking pages,
the staff's pages (``staff.py``: files, providers' register, backlog dashboard)."""


def init_app(app) -> None:
    """Register the registrations' blueprints on ``app`` (failed tracking tries are
    forgotten by the login's ``forget_login_failures`` job)."""
    from notify.registrations.api import bp as api_bp
    from notify.registrations.staff import bp as staff_bp
    from notify.registrations.views import bp

    app.register_blueprint(api_bp)
    app.register_blueprint(bp)
    app.register_blueprint(staff_bp)
