"""Forms of the owner's tracking pages and of the staff's provider actions (Flask-WTF:
each carries a CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from notify.accounts.forms import REQUIRED
from notify.validation import Invalid, clean_text
from notify.web.forms import Form


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


REASON_MAX_LENGTH = 1000


class ProviderStatusForm(Form):
    """Suspend, withdraw or reinstate a provider (art. 18-10 of the arrêté du
    9 février 2009): the legal ground and the reason are required, and a suspension has
    an end. The grounds offered are set per action by the view."""

    legal_ground = SelectField("Fondement juridique",
                               validators=[InputRequired("Choisissez un fondement.")])
    reason = TextAreaField(
        "Motif", validators=[InputRequired("Indiquez le motif."),
                             Length(max=REASON_MAX_LENGTH,
                                    message=f"{REASON_MAX_LENGTH} caractères au plus.")],
        description="Il est inscrit à l'historique du professionnel et au journal des preuves.")
    until = DateField("Suspendu jusqu'au (inclus)", validators=[Optional()],
                      description="Obligatoire pour une suspension.")

    def validate_reason(self, field) -> None:
        if not (field.data or "").strip():
            raise ValidationError("Indiquez le motif.")
        try:
            # one paragraph: line breaks typed in the box become spaces
            field.data = clean_text(" ".join((field.data or "").split()), REASON_MAX_LENGTH)
        except Invalid as error:
            raise ValidationError(f"Motif refusé : {error.message}.") from None
