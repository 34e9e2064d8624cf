"""What every form page shares: domain errors shown on the form, safe ``next`` targets."""

from __future__ import annotations

from urllib.parse import urlsplit

from notify.errors import DomainError


def apply_error(form, error: DomainError) -> None:
    """Show a domain error beside its field, or at the top of the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def safe_next(target: str | None, default: str) -> str:
    """``target`` if it is a path of this site, else ``default`` (no open redirect)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target
