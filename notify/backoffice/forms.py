"""Back-office forms (Flask-WTF: CSRF on each). Messages are in French."""

from __future__ import annotations

from wtforms import DateField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from notify.accounts.forms import DATE_FORMATS
from notify.backoffice.access import ACTION_LABELS, REASON_LABELS, Reason
from notify.backoffice.search import (
    CHANNEL_LABELS,
    DATE_FIELD_LABELS,
    NAME_PREFIX_MIN,
    STATE_LABELS,
    Criteria,
)
from notify.backoffice.search import DateField as DateField_
from notify.validation import Invalid, clean_text
from notify.web.forms import Form

DETAIL_MAX_LENGTH = 200
_TOO_LONG = "Trop long."


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


class _GetForm(Form):
    """A search form sent by GET: it changes nothing, so it carries no CSRF token, and
    its address can be kept and shared between members (each still needs his rights)."""

    class Meta:
        csrf = False


def _choices(labels: dict, everything: str | None = "Tous") -> list[SelectChoice]:
    choices = [SelectChoice(str(value), label) for value, label in labels.items()]
    return [SelectChoice("", everything), *choices] if everything else choices


def _day(label: str):
    return DateField(label, validators=[Optional()], format=DATE_FORMATS)


class SearchForm(_GetForm):
    """The decisions' search (``/agents/decisions``): at least one criterion."""

    reference = StringField("Référence de la décision",
                            validators=[Optional(), Length(max=50, message=_TOO_LONG)])
    permis = StringField("Numéro de permis",
                         validators=[Optional(), Length(max=12, message=_TOO_LONG)])
    nom = StringField("Nom du titulaire (début)",
                      validators=[Optional(), Length(min=NAME_PREFIX_MIN, max=200,
                                                     message=f"De {NAME_PREFIX_MIN} à 200 "
                                                             "caractères.")],
                      description="Accents, tirets et majuscules indifférents.")
    champ_date = SelectField("Date cherchée", choices=_choices(DATE_FIELD_LABELS, None),
                             default=str(DateField_.DECIDED), validators=[Optional()])
    du = _day("Du")
    au = _day("Au")
    canal = SelectField("Canal", choices=_choices(CHANNEL_LABELS), default="",
                        validators=[Optional()])
    etat = SelectField("État", choices=_choices(STATE_LABELS), default="",
                       validators=[Optional()])

    def validate_au(self, field) -> None:
        if field.data and self.du.data and field.data < self.du.data:
            raise ValidationError("La date de fin précède la date de début.")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in (self.reference, self.permis, self.nom):
            value = (field.data or "").strip()
            try:
                field.data = clean_text(value, 200) if value else ""
            except Invalid as error:
                field.errors = [*field.errors, f"Refusé : {error.message}."]
                valid = False
        if valid and self.criteria().empty:
            self.form_errors.append("Indiquez au moins un critère.")
            valid = False
        return valid

    def criteria(self) -> Criteria:
        return Criteria(reference=self.reference.data or None,
                        licence_number=(self.permis.data or "").upper() or None,
                        surname=self.nom.data or None,
                        date_field=DateField_(self.champ_date.data or DateField_.DECIDED),
                        date_from=self.du.data, date_to=self.au.data,
                        channel=self.canal.data or None, state=self.etat.data or None)


class StaffReauthForm(Form):
    code = StringField("Code de vérification",
                       validators=[InputRequired("Ce champ est obligatoire."), Length(max=32)],
                       description="Les 6 chiffres affichés maintenant par votre application, "
                                   "ou l'un de vos codes de secours.",
                       render_kw={"autocomplete": "one-time-code", "spellcheck": "false"})


class JournalForm(_GetForm):
    agent = StringField("Agent (adresse ou référence)",
                        validators=[Optional(), Length(max=254, message=_TOO_LONG)])
    dossier = StringField("Dossier (numéro de permis, ou holder:…)",
                          validators=[Optional(), Length(max=64, message=_TOO_LONG)])
    action = SelectField("Action", choices=_choices(ACTION_LABELS), default="",
                         validators=[Optional()])
    du = _day("Du")
    au = _day("Au")


class HolderSearchForm(_GetForm):
    q = StringField("Numéro de permis ou nom (début)",
                    validators=[Optional(), Length(min=NAME_PREFIX_MIN, max=200,
                                                   message=f"De {NAME_PREFIX_MIN} à 200 "
                                                           "caractères.")])
