"""Forms of the owner's tracking pages (Flask-WTF: each carries a CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import InputRequired, Length

from notify.accounts.forms import REQUIRED


class TrackingForm(FlaskForm):
    number = StringField(
        "Numéro de dossier", validators=[InputRequired(REQUIRED), Length(max=32)],
        description="Il commence par IM, par exemple IM7K3P9QX2MA.",
        render_kw={"autocomplete": "off", "spellcheck": "false"})
    code = StringField(
        "Code de suivi", validators=[InputRequired(REQUIRED), Length(max=32)],
        description="Remis lors du dépôt de la demande, par exemple ABCD-EFGH-JKMN-PQRS.",
        render_kw={"autocomplete": "one-time-code", "spellcheck": "false"})


class MailPreferenceForm(FlaskForm):
    enabled = BooleanField("Recevoir un courriel quand ce dossier demande une action de ma "
                           "part ou se termine")
