"""The refusals a person meets, and how the forms tell him what to correct."""

import re

import pytest

from tests.browser.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _summary_is_above_the_form(visitor):
    summary = visitor.main.get_by_role("alert")
    form_box = visitor.main.locator("form").bounding_box()
    assert summary.bounding_box()["y"] < form_box["y"]
    assert summary.bounding_box()["y"] < visitor.page.viewport_size["height"]  # seen on load
    return summary


def test_wrong_activation_code_is_summarised_at_the_top(visitor, expect):
    number, _ = visitor.site.new_holder()
    visitor.goto("/inscription")
    page = visitor.page
    page.get_by_label("Numéro de permis de conduire").fill(number)
    page.get_by_label("Date de naissance").fill("1979-03-08")
    page.get_by_label("Code d'activation").fill("AAAA-BBBB-CCCC-DDDD")
    page.get_by_role("button", name="Continuer").click()

    visitor.sees_page("Créer mon compte — étape 1 sur 2", re.compile("Étape 1 sur 2"))
    summary = _summary_is_above_the_form(visitor)
    expect(summary.get_by_role("heading")).to_have_text("Le formulaire contient 1 erreur")
    # One message whatever was wrong, so that the form does not reveal which licence
    # numbers exist; it is therefore not tied to one field.
    expect(summary).to_contain_text("Ces informations ne permettent pas d'ouvrir un compte.")
    expect(page.get_by_label("Numéro de permis de conduire")).to_have_value(number)
    assert visitor.csp_violations() == []


def test_empty_identity_fields_are_linked_from_the_summary(visitor, expect):
    visitor.goto("/inscription")
    page = visitor.page
    page.get_by_label("Numéro de permis de conduire").fill("123456789012")
    page.get_by_role("button", name="Continuer").click()

    summary = _summary_is_above_the_form(visitor)
    expect(summary.get_by_role("heading")).to_have_text("Le formulaire contient 2 erreurs")
    links = summary.get_by_role("link")
    expect(links).to_have_count(2)
    expect(links.nth(0)).to_have_attribute("href", "#birth_date")
    expect(links.nth(1)).to_have_attribute("href", "#activation_code")

    # Following a link puts the cursor in the field, which says what is wrong.
    links.nth(1).click()
    code = page.get_by_label("Code d'activation")
    expect(code).to_be_focused()
    expect(code).to_have_attribute("aria-invalid", "true")
    expect(code).to_have_accessible_description(re.compile(r"Ce champ est obligatoire\."))
    assert visitor.csp_violations() == []


def test_registration_step_2_errors_are_linked_and_described(visitor, expect):
    number, code = visitor.site.new_holder()
    visitor.goto("/inscription")
    page = visitor.page
    page.get_by_label("Numéro de permis de conduire").fill(number)
    page.get_by_label("Date de naissance").fill("1979-03-08")
    page.get_by_label("Code d'activation").fill(code)
    page.get_by_role("button", name="Continuer").click()
    page.get_by_label("Adresse électronique").fill("camille@example.fr")
    page.get_by_label(re.compile("^Mot de passe")).fill("court")
    page.get_by_label("Confirmation du mot de passe").fill("autre")
    page.get_by_role("button", name="Créer mon compte").click()

    visitor.sees_page("Créer mon compte — étape 2 sur 2", re.compile("Étape 2 sur 2"))
    summary = _summary_is_above_the_form(visitor)
    expect(summary.get_by_role("heading")).to_have_text("Le formulaire contient 4 erreurs")
    hrefs = [link.get_attribute("href") for link in summary.get_by_role("link").all()]
    assert hrefs == ["#password", "#password_confirm", "#accept_conditions",
                     "#attest_deadlines"]

    # The summary can take the focus (tabindex=-1), and Tab then reaches its links.
    summary.focus()
    expect(summary).to_be_focused()
    page.keyboard.press("Tab")
    expect(summary.get_by_role("link").first).to_be_focused()

    password = page.get_by_label(re.compile("^Mot de passe"))
    expect(password).to_have_attribute("aria-describedby", "password-hint password-messages")
    expect(password).to_have_accessible_description(re.compile(
        r"Entre \d+ et \d+ caractères\. Le mot de passe doit compter au moins \d+ caractères\."))
    expect(page.get_by_label("Confirmation du mot de passe")).to_have_accessible_description(
        re.compile("Les deux mots de passe ne sont pas identiques"))
    expect(page.get_by_label("J'accepte les conditions générales")).to_have_accessible_description(
        re.compile("Vous devez accepter les conditions générales d'utilisation"))
    # What he typed is kept, except the passwords.
    expect(page.get_by_label("Adresse électronique")).to_have_value("camille@example.fr")
    expect(password).to_have_value("")
    visitor.screenshot("02-register-step2-errors")
    assert visitor.csp_violations() == []


def test_wrong_password_is_refused_then_the_right_one_lets_him_in(visitor, expect):
    visitor.site.open_account("mauvais.mdp@example.fr")
    visitor.goto("/connexion")
    page = visitor.page
    page.get_by_label("Adresse électronique").fill("mauvais.mdp@example.fr")
    page.get_by_label("Mot de passe").fill("pas le bon mot de passe")
    page.get_by_role("button", name="Se connecter").click()

    visitor.sees_page("Se connecter", "Se connecter")
    summary = _summary_is_above_the_form(visitor)
    expect(summary).to_contain_text("Adresse électronique ou mot de passe incorrect.")
    expect(page.get_by_label("Adresse électronique")).to_have_value("mauvais.mdp@example.fr")
    visitor.screenshot("03-login-wrong-password")

    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    visitor.sees_page("Mon compte", "Mon compte")
    assert visitor.csp_violations() == []


def test_account_pages_send_an_anonymous_visitor_to_login(visitor, expect):
    visitor.goto("/compte/fermeture")
    visitor.sees_page("Se connecter", "Se connecter")
    expect(visitor.page.get_by_role("status")).to_have_text(
        "Connectez-vous pour accéder à cette page.")
