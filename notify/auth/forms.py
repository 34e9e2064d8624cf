"""Staff forms (Flask-WTF: every one carries a CSRF token). Messages are in French."""

from __future__ import annotations

from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length

from notify.auth.secrets import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH
from notify.web.forms import Form

REQUIRED = "Ce champ est obligatoire."


def _code(label: str, hint: str):
    return StringField(label, validators=[InputRequired(REQUIRED), Length(max=32)],
                       description=hint,
                       render_kw={"autocomplete": "one-time-code", "inputmode": "text",
                                  "spellcheck": "false"})


class StaffLoginForm(Form):
    email = EmailField("Adresse électronique professionnelle",
                       validators=[InputRequired(REQUIRED)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField("Mot de passe", validators=[InputRequired(REQUIRED)],
                             render_kw={"autocomplete": "current-password"})
    code = _code("Code de vérification",
                 "Les 6 chiffres affichés par votre application d'authentification, ou l'un "
                 "de vos codes de secours.")


class EnrolPasswordForm(Form):
    password = PasswordField(
        "Mot de passe",
        validators=[InputRequired(REQUIRED),
                    Length(min=PASSWORD_MIN_LENGTH, max=PASSWORD_MAX_LENGTH,
                           message=f"Le mot de passe doit compter au moins "
                                   f"{PASSWORD_MIN_LENGTH} caractères.")],
        description=f"Au moins {PASSWORD_MIN_LENGTH} caractères.",
        render_kw={"autocomplete": "new-password"})
    password_confirm = PasswordField(
        "Confirmation du mot de passe",
        validators=[InputRequired(REQUIRED),
                    EqualTo("password", "Les deux mots de passe ne sont pas identiques.")],
        render_kw={"autocomplete": "new-password"})


class TotpConfirmForm(Form):
    code = _code("Code à 6 chiffres", "Le code affiché maintenant par votre application.")
