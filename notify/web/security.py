"""Security headers: a nonce-based CSP, no framing, HSTS over HTTPS, no caching of pages."""

from __future__ import annotations

import secrets

from flask import Flask, current_app, g, request


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def allow_form_target(app: Flask, origin: str) -> None:
    """Let forms of this site lead to ``origin`` (CSP ``form-action`` also covers the
    redirects that follow a form, e.g. to an identity provider)."""
    app.extensions.setdefault("csp_form_targets", []).append(origin)


def _headers(response):
    nonce = csp_nonce()
    form_action = " ".join(["'self'", *current_app.extensions.get("csp_form_targets", ())])
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{nonce}'; "
        "style-src 'self'; img-src 'self' data:; font-src 'self'; "
        f"object-src 'none'; base-uri 'self'; form-action {form_action}; frame-ancestors 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    if response.mimetype == "text/html":
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.after_request(_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
