"""The evidence log: every legal event, appended once, hash-chained per subject, and
certified in Merkle batches by RFC 3161 tokens (R. 223-3-1 III)."""


def init_app(app) -> None:
    from notify.evidence.views import bp
    from notify.web import csrf

    csrf.exempt(bp)
    app.register_blueprint(bp)
