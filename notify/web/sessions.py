"""Flask's signed-cookie sessions, unchanged but for one thing: the serializer that signs
and checks the cookie is built once per set of keys rather than twice a request."""

from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class CookieSessionInterface(SecureCookieSessionInterface):
    """The same cookie, signed and checked the same way (``SECRET_KEY`` and
    ``SECRET_KEY_FALLBACKS``): the serializer, stateless, is kept for as long as the keys
    stay the same."""

    def __init__(self) -> None:
        self._serializer: tuple[tuple, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, *(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        cached = self._serializer
        if cached is not None and cached[0] == keys:
            return cached[1]
        serializer = super().get_signing_serializer(app)
        self._serializer = (keys, serializer)
        return serializer
