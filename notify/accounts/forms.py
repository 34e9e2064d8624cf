"""Forms (Flask-WTF: every one carries a CSRF token). Messages are in French."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length

from notify.auth.secrets import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH

REQUIRED = "Ce champ est obligatoire."
PASSWORD_HINT = f"Au moins {PASSWORD_MIN_LENGTH} caractères."


def _password(label: str, hint: str | None = PASSWORD_HINT):
    return PasswordField(
        label,
        validators=[InputRequired(REQUIRED),
                    Length(min=PASSWORD_MIN_LENGTH, max=PASSWORD_MAX_LENGTH,
                           message=f"Le mot de passe doit compter au moins "
                                   f"{PASSWORD_MIN_LENGTH} caractères.")],
        description=hint,
    )


class ActivationForm(FlaskForm):
    licence_number = StringField(
        "Numéro de permis de conduire", validators=[InputRequired(REQUIRED), Length(max=20)],
        description="12 caractères, inscrits sur votre permis (rubrique 5).")
    birth_date = DateField(
        "Date de naissance", validators=[InputRequired(REQUIRED)],
        description="Au format jj/mm/aaaa.",
        render_kw={"autocomplete": "bday"})
    activation_code = StringField(
        "Code d'activation", validators=[InputRequired(REQUIRED), Length(max=32)],
        description="Le code reçu par courrier, par exemple ABCD-EFGH-JKMN-PQRS.",
        render_kw={"autocomplete": "one-time-code"})


class AccountDetailsForm(FlaskForm):
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


class LoginForm(FlaskForm):
    email = EmailField("Adresse électronique", validators=[InputRequired(REQUIRED)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField("Mot de passe", validators=[InputRequired(REQUIRED)],
                             render_kw={"autocomplete": "current-password"})


class ReauthForm(FlaskForm):
    password = PasswordField("Mot de passe", validators=[InputRequired(REQUIRED)],
                             render_kw={"autocomplete": "current-password"})


class EmailChangeForm(FlaskForm):
    new_email = EmailField("Nouvelle adresse électronique",
                           validators=[InputRequired(REQUIRED)],
                           description="Elle ne sera utilisée qu'après sa vérification.",
                           render_kw={"autocomplete": "email"})


class PasswordChangeForm(FlaskForm):
    new_password = _password("Nouveau mot de passe")
    new_password_confirm = PasswordField(
        "Confirmation du nouveau mot de passe",
        validators=[InputRequired(REQUIRED),
                    EqualTo("new_password", "Les deux mots de passe ne sont pas identiques.")])


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Adresse électronique", validators=[InputRequired(REQUIRED)],
                       render_kw={"autocomplete": "email"})


class ClosureForm(FlaskForm):
    confirm = BooleanField(
        "Je demande la fermeture de mon compte. Je comprends que les décisions suivantes me "
        "seront adressées par courrier postal une fois la fermeture effective.",
        validators=[DataRequired("Cochez la case pour confirmer la demande de fermeture.")])


class PlainForm(FlaskForm):
    """A form with nothing but its CSRF token (logout, withdrawal of a closure…)."""
