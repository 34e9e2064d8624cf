"""Back-office forms (Flask-WTF: CSRF on each). Messages are in French."""

from __future__ import annotations

from wtforms import RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, ValidationError

from notify.backoffice.access import REASON_LABELS, Reason
from notify.validation import Invalid, clean_text
from notify.web.forms import Form

DETAIL_MAX_LENGTH = 200


class ReasonForm(Form):
    """The "motif d'accès" asked on first opening a holder's or an owner's file."""

    reason = RadioField("Motif de l'accès", choices=[SelectChoice(str(value), label)
                                 for value, label in REASON_LABELS.items()],
                        validators=[InputRequired("Choisissez un motif.")])
    detail = StringField(
        "Précision (référence du recours, de la réquisition, de la demande…)",
        validators=[Length(max=DETAIL_MAX_LENGTH,
                           message=f"{DETAIL_MAX_LENGTH} caractères au plus.")],
        description="Obligatoire pour « Autre motif ». Elle figurera au journal des accès, "
                    "que la personne concernée peut consulter.")

    def validate_detail(self, field) -> None:
        if not (field.data or "").strip():
            field.data = ""
            if self.reason.data == Reason.OTHER:
                raise ValidationError("Précisez le motif.")
            return
        try:
            field.data = clean_text(field.data, DETAIL_MAX_LENGTH)
        except Invalid as error:
            raise ValidationError(f"Précision refusée : {error.message}.") from None
