"""Forms (Flask-WTF: every one carries a CSRF token). Messages are in French."""

from __future__ import annotations

from wtforms import BooleanField, DateField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length

from notify.auth.secrets import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH
from notify.web.forms import Form

REQUIRED = "Ce champ est obligatoire."
PASSWORD_HINT = f"Entre {PASSWORD_MIN_LENGTH} et {PASSWORD_MAX_LENGTH} caractères."
LICENCE_NUMBER_MAX = 20
DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
"""What a holder types (jj/mm/aaaa, as the hint says) and what a browser's date picker
sends (ISO 8601)."""


def _password(label: str, hint: str | None = PASSWORD_HINT):
    return PasswordField(
        label,
        validators=[InputRequired(REQUIRED),
                    Length(min=PASSWORD_MIN_LENGTH,
                           message=f"Le mot de passe doit compter au moins "
                                   f"{PASSWORD_MIN_LENGTH} caractères."),
                    Length(max=PASSWORD_MAX_LENGTH,
                           message=f"Le mot de passe doit compter au plus "
                                   f"{PASSWORD_MAX_LENGTH} caractères.")],
        description=hint,
    )


class ActivationForm(Form):
    licence_number = StringField(
        "Numéro de permis de conduire",
        validators=[InputRequired(REQUIRED),
                    Length(max=LICENCE_NUMBER_MAX,
                           message=f"Le numéro de permis compte au plus {LICENCE_NUMBER_MAX} "
                                   "caractères.")],
        description="12 caractères, inscrits sur votre permis (rubrique 5).")
    birth_date = DateField(
        "Date de naissance", validators=[InputRequired(REQUIRED)], format=DATE_FORMATS,
        description="Au format jj/mm/aaaa, par exemple 09/09/2003.",
        render_kw={"autocomplete": "bday"})
    activation_code = StringField(
        "Code d'activation",
        validators=[InputRequired(REQUIRED),
                    Length(max=32, message="Le code d'activation compte 16 lettres ou chiffres, "
                                           "par exemple ABCD-EFGH-JKMN-PQRS.")],
        description="Le code reçu par courrier, par exemple ABCD-EFGH-JKMN-PQRS.",
        render_kw={"autocomplete": "one-time-code"})


class AccountDetailsForm(Form):
    email = EmailField("Adresse électronique", validators=[InputRequired(REQUIRED)],
                       description="Les alertes de dépôt de décision y seront envoyées.",
                       render_kw={"autocomplete": "email"})
    password = _password("Mot de passe")
    password_confirm = PasswordField(
        "Confirmation du mot de passe",
        validators=[InputRequired(REQUIRED),
                    EqualTo("password", "Les deux mots de passe ne sont pas identiques.")])
    accept_conditions = BooleanField(
        "J'accepte les conditions générales d'utilisation du service.",
        validators=[DataRequired("Vous devez accepter les conditions générales d'utilisation.")])
    attest_deadlines = BooleanField(
        "J'atteste avoir pris connaissance des modalités de computation du délai de recours "
        "contre les décisions dématérialisées.",
        validators=[DataRequired("Vous devez attester avoir pris connaissance des modalités "
                                 "de computation du délai de recours.")])


class LoginForm(Form):
    email = EmailField("Adresse électronique", validators=[InputRequired(REQUIRED)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField("Mot de passe", validators=[InputRequired(REQUIRED)],
                             render_kw={"autocomplete": "current-password"})


class ReauthForm(Form):
    password = PasswordField("Mot de passe", validators=[InputRequired(REQUIRED)],
                             render_kw={"autocomplete": "current-password"})


class EmailChangeForm(Form):
    new_email = EmailField("Nouvelle adresse électronique",
                           validators=[InputRequired(REQUIRED)],
                           description="Elle ne sera utilisée qu'après sa vérification.",
                           render_kw={"autocomplete": "email"})


class PasswordChangeForm(Form):
    new_password = _password("Nouveau mot de passe")
    new_password_confirm = PasswordField(
        "Confirmation du nouveau mot de passe",
        validators=[InputRequired(REQUIRED),
                    EqualTo("new_password", "Les deux mots de passe ne sont pas identiques.")])


class ForgotPasswordForm(Form):
    email = EmailField("Adresse électronique", validators=[InputRequired(REQUIRED)],
                       render_kw={"autocomplete": "email"})


class ClosureForm(Form):
    confirm = BooleanField(
        "Je demande la fermeture de mon compte. Je comprends que les décisions suivantes me "
        "seront adressées par courrier postal une fois la fermeture effective.",
        validators=[DataRequired("Cochez la case pour confirmer la demande de fermeture.")])


class PlainForm(Form):
    """A form with nothing but its CSRF token (logout, withdrawal of a closure…)."""
