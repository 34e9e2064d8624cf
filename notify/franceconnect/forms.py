"""Forms (Flask-WTF: every one carries a CSRF token). Messages are in French."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from notify.accounts.forms import REQUIRED


class LicenceConfirmationForm(FlaskForm):
    licence_number = StringField(
        "Numéro de permis de conduire", validators=[InputRequired(REQUIRED), Length(max=20)],
        description="12 caractères, inscrits sur votre permis (rubrique 5).")
