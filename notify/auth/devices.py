"""Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device Cookies").

After a successful login, the browser receives a cookie signed with the application's
secret key naming the principal it signed in as and a random nonce. Shown again at the
next login on that principal, it marks the attempt as coming from a trusted device
(``notify.auth.throttle``). One cookie holds the last few principals of the browser.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import Response, current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE_NAME = "notify_device"
SALT = "notify.auth.device-cookie"
MAX_PRINCIPALS = 5
VALIDITY = timedelta(days=180)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def trusted_devices() -> dict[str, str]:
    """The ``{principal: nonce}`` of this browser's valid device cookie (empty if none)."""
    raw = request.cookies.get(COOKIE_NAME)
    if not raw:
        return {}
    try:
        value = _serializer().loads(raw, max_age=int(VALIDITY.total_seconds()))
    except BadSignature:
        return {}
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}


def remember_device(response: Response, principal: str) -> None:
    """Add ``principal`` to this browser's device cookie, with a fresh nonce."""
    entries = {k: v for k, v in trusted_devices().items() if k != principal}
    entries[principal] = secrets.token_urlsafe(16)
    entries = dict(list(entries.items())[-MAX_PRINCIPALS:])
    response.set_cookie(COOKIE_NAME, _serializer().dumps(entries),
                        max_age=int(VALIDITY.total_seconds()), secure=True, httponly=True,
                        samesite="Lax")
