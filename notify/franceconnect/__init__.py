"""FranceConnect sign-in for holders: link the account once, then sign in with it.

Off unless ``NOTIFY_FRANCECONNECT_ISSUER``, ``_CLIENT_ID`` and ``_CLIENT_SECRET`` are set.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, has_request_context, session


def init_app(app: Flask) -> None:
    """Register the blueprint (when configured) and what the shared templates ask."""
    settings = app.extensions["notify"].settings
    app.jinja_env.globals["franceconnect_enabled"] = settings.franceconnect_enabled
    if not settings.franceconnect_enabled:
        app.jinja_env.globals["signed_in_with_franceconnect"] = False
        return

    from notify.franceconnect.operations import link_of
    from notify.franceconnect.views import ID_TOKEN_KEY, bp
    from notify.web import db_session
    from notify.web.security import allow_form_target

    app.register_blueprint(bp)
    issuer = urlsplit(settings.franceconnect_issuer)
    allow_form_target(app, f"{issuer.scheme}://{issuer.netloc}")
    app.jinja_env.globals["franceconnect_link"] = lambda account: link_of(db_session(), account)

    @app.context_processor
    def _franceconnect_session():
        return {"signed_in_with_franceconnect":
                has_request_context() and ID_TOKEN_KEY in session}
