"""The evidence log: every legal event, appended once, hash-chained per subject, and
certified in Merkle batches by RFC 3161 tokens (R. 223-3-1 III)."""


def init_app(app) -> None:
    """Register ``POST /tsa`` (no CSRF: it is an RFC 3161 endpoint) and the job."""
    from notify.evidence.jobs import JOBS
    from notify.evidence.views import bp
    from notify.jobs import register_jobs
    from notify.web import csrf

    csrf.exempt(bp)
    app.register_blueprint(bp)
    register_jobs(app, *JOBS)
