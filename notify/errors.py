"""Domain errors: raised by operations, mapped to HTTP codes in one place (notify.web.errors).

Each carries a French message meant for the person who acted; ``field`` names the form
or API field at fault when there is one.
"""

from __future__ import annotations


class DomainError(Exception):
    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(DomainError):
    status = 400


class NotAllowed(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class TooManyAttempts(DomainError):
    status = 429


class Unauthenticated(DomainError):
    """No bearer token, or one that is unknown or revoked (the API adds the challenge)."""

    status = 401


class PayloadTooLarge(DomainError):
    status = 413


class UnsupportedMediaType(DomainError):
    status = 415
