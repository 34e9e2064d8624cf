"""What the DSFR layout (``templates/base.html``) puts on every page and that does not
change from one page to the next, computed once rather than at each page: its fixed
URLs, and the logout form's CSRF token, signed once per session.
"""

from __future__ import annotations

from flask import Flask, current_app, g, request, session, url_for
from flask_wtf.csrf import generate_csrf

CACHE_LIMIT = 10_000
"""Entries kept per cache and process before it starts again from empty: bounds the
memory that many sessions (or many script roots) could take."""


class FixedUrls(dict):
    """The layout's links for one script root (the prefix the proxy serves the site
    under), each built by ``url_for`` on first use and kept: ``urls['pages.home']``, or
    an endpoint and its file, ``urls['dsfr_asset', 'dsfr.min.css']``. The keys are the
    layout's own, written in the template."""

    def __missing__(self, key: str | tuple[str, str]) -> str:
        endpoint, filename = (key, None) if isinstance(key, str) else key
        url = url_for(endpoint, filename=filename) if filename else url_for(endpoint)
        self[key] = url
        return url


def layout_urls() -> FixedUrls:
    """The layout's links for this request's script root."""
    cache = current_app.extensions["notify_fixed_urls"]
    root = request.script_root
    urls = cache.get(root)
    if urls is None:
        if len(cache) >= CACHE_LIMIT:
            cache.clear()
        urls = cache[root] = FixedUrls()
    return urls


def session_csrf_token() -> str:
    """The session's CSRF token, signed once per session and process rather than at each
    page (Flask-WTF's ``csrf_token()`` signs it again at every call of a new request).

    The signed token is the same Flask-WTF gives: the session's raw token, signed with
    the application's secret; it is checked the same way, against the session. Tokens do
    not expire here (``WTF_CSRF_TIME_LIMIT`` is None: the session's end ends them); were a
    time limit set, the token would be signed at each page as before. Kept in memory,
    keyed by the session's raw token, never in the cookie.
    """
    config = current_app.config
    field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if config.get("WTF_CSRF_TIME_LIMIT") is not None:
        return generate_csrf()
    raw = session.get(field)
    cache = current_app.extensions["notify_signed_csrf"]
    signed = cache.get(raw) if isinstance(raw, str) else None
    if signed is None:
        signed = generate_csrf()
        if len(cache) >= CACHE_LIMIT:
            cache.clear()
        cache[session[field]] = signed
    elif field not in g:
        # The forms of the same page get this token too (Flask-WTF reads it from ``g``).
        setattr(g, field, signed)
    return g.get(field, signed)


def init_app(app: Flask) -> None:
    app.extensions["notify_fixed_urls"] = {}
    app.extensions["notify_signed_csrf"] = {}
    app.jinja_env.globals.update(layout_urls=layout_urls, session_csrf_token=session_csrf_token)
