"""What every form shares: the base class (CSRF and French messages everywhere), domain
errors shown on the form, safe ``next`` targets.

Flask-WTF looks for translations in Flask-Babel, which we do not use; WTForms ships its
own French catalogue, so every built-in message ("Not a valid date value.", "Field
cannot be longer than…") reaches the citizen in French even where a field sets none.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from wtforms.meta import DefaultMeta

from notify.errors import DomainError


class Form(FlaskForm):
    class Meta:
        locales = ("fr_FR", "fr")

        def get_translations(self, form):
            return DefaultMeta.get_translations(self, form)


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
