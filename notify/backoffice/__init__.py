"""The back office shared by the staff's features: the access audit ("motif d'accès",
``record_access``) and its pages; a decision's pages for legal staff (``decisions``)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from notify.backoffice import decisions  # noqa: F401  (its routes join ``bp``)
    from notify.backoffice.access import ReasonNeeded
    from notify.backoffice.jobs import JOBS
    from notify.backoffice.views import ask_reason, bp, holder_bp
    from notify.jobs import register_jobs

    app.register_blueprint(bp)
    app.register_blueprint(holder_bp)
    register_jobs(app, *JOBS)
    app.register_error_handler(ReasonNeeded, ask_reason)
