"""What every feature's views share: the request session, CSRF, security headers, error
pages, date formatting, the DSFR layout. It imports no feature: each feature registers
its own blueprints from its ``init_app`` (``tests/unit/app/test_import_graph.py``)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, current_app, g, request, send_from_directory
from flask_wtf.csrf import CSRFProtect

from notify.bootstrap import services
from notify.errors import DomainError

log = logging.getLogger(__name__)

R = TypeVar("R")

DSFR_DIST = Path(__file__).resolve().parent.parent.parent / "node_modules/@gouvfr/dsfr/dist"

csrf = CSRFProtect()


def read_only(view):
    """Mark a view that never writes: its request's session is read-only (on SQLite it
    does not take the write lock, so the page neither waits behind writers nor delays
    them; a write by mistake fails). The mark survives the decorators that wrap the
    view (``functools.wraps`` copies it), so its place among them does not matter."""
    view.notify_read_only = True
    return view


def _is_read_only() -> bool:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return getattr(view, "notify_read_only", False)


def db_session():
    """The request's session: opened on first use, rolled back and closed at teardown.

    Views commit it through ``perform``, once the operation succeeded; whatever was not
    committed is rolled back when the request ends. The views marked ``read_only`` get a
    read-only session (the user loader's reads included).
    """
    if "db_session" not in g:
        db = services().db
        factory = db.read_session_factory if _is_read_only() else db.session_factory
        g.db_session = factory()
    return g.db_session


def perform(operation: Callable[..., R], /, *args: Any, keep_refused: bool = False,
            **kwargs: Any) -> R:
    """Call one operation with the request's session and commit: the one place where a
    view commits. A ``DomainError`` is re-raised for the view to show, after a rollback,
    or after a commit with ``keep_refused`` (a refused login still counts as a failure).
    """
    session = db_session()
    try:
        result = operation(session, *args, **kwargs)
    except DomainError:
        if keep_refused:
            session.commit()
        else:
            session.rollback()
        raise
    session.commit()
    return result


def _close_session(_exc) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()  # rolls back what was not committed


def _setup_assets(app: Flask) -> None:
    available = (DSFR_DIST / "dsfr.min.css").exists()
    if not available:
        log.warning("DSFR assets not found in %s: pages are served unstyled "
                    "(run `make assets`)", DSFR_DIST)

    @app.route("/static/dsfr/<path:filename>")
    def dsfr_asset(filename: str):
        return send_from_directory(DSFR_DIST, filename, max_age=86400)

    app.jinja_env.globals["dsfr_available"] = available


def setup_web(app: Flask) -> None:
    """The shared parts, set up before any feature's ``init_app``."""
    from notify.web import errors, formatting, layout, security
    from notify.web.sessions import CookieSessionInterface

    settings = app.extensions["notify"].settings
    app.session_interface = CookieSessionInterface()
    app.teardown_appcontext(_close_session)
    csrf.init_app(app)
    _setup_assets(app)
    security.init_app(app)
    errors.init_app(app)
    formatting.init_app(app)
    layout.init_app(app)
    app.jinja_env.globals["state_brand"] = settings.state_brand
    app.jinja_env.globals["demo_mode"] = settings.mode == "demo"

    @app.route("/sante")
    def health():
        return {"status": "ok"}
