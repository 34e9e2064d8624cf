"""Domain errors of the deposit API that ``notify.errors`` has no class for.

They are ``DomainError``s, so ``notify.web.errors`` maps them to HTTP like the others.
"""

from __future__ import annotations

from notify.errors import DomainError


class Unauthenticated(DomainError):
    """No bearer token, or one that is unknown or revoked (the API adds the challenge)."""

    status = 401


class PayloadTooLarge(DomainError):
    status = 413


class UnsupportedMediaType(DomainError):
    status = 415
