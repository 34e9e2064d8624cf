"""The base of every form: CSRF (Flask-WTF) and French messages everywhere.

Flask-WTF looks for translations in Flask-Babel, which we do not use; WTForms ships its
own French catalogue, so every built-in message ("Not a valid date value.", "Field
cannot be longer than…") reaches the citizen in French even where a field sets none.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.meta import DefaultMeta


class Form(FlaskForm):
    class Meta:
        locales = ("fr_FR", "fr")

        def get_translations(self, form):
            return DefaultMeta.get_translations(self, form)
