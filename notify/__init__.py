"""notify: online notification of driving-licence points decisions (R. 223-3-1 C. route)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from notify.bootstrap import ADAPTER_KEYS, build_services
from notify.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application. ``config`` overrides settings (and injects adapters in tests).

    Raises ``notify.settings.SettingsError`` naming each bad setting.
    """
    overrides = dict(config or {})
    adapters = {key: overrides.pop(key) for key in ADAPTER_KEYS if key in overrides}
    settings = load_settings(overrides)

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(settings.instance_path),
    )
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="notify_session",
        REMEMBER_COOKIE_DURATION=0,
        WTF_CSRF_TIME_LIMIT=None,
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
        TESTING=settings.mode == "test",
    )
    if settings.trusted_proxies:
        # Behind N reverse proxies, take the client's address and scheme from their
        # X-Forwarded-* headers (throttling per address, HSTS, Secure cookies).
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    app.extensions["notify"] = build_services(settings, adapters)
    logging.getLogger("notify").setLevel(logging.INFO)

    from notify import (
        accounts,
        auth,
        backoffice,
        decisions,
        demo,
        evidence,
        franceconnect,
        mail,
        registrations,
    )
    from notify.web import setup_web

    setup_web(app)
    auth.init_app(app)  # the login manager first: the features register their loaders
    for feature in (accounts, backoffice, decisions, evidence, mail, franceconnect,
                    registrations, demo):
        feature.init_app(app)
    return app
