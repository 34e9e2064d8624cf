"""A staff member enrolled by the command line signs in with password and TOTP, in
Chromium; without the second factor he is refused."""

import re
from datetime import timedelta

import pytest

from notify.auth import totp
from tests.browser.conftest import shots
from tests.conftest import STAFF_PASSWORD

pytestmark = pytest.mark.browser


def test_staff_enrolment_and_login_with_totp(visitor, expect):
    site, page = visitor.site, visitor.page
    result = site.app.test_cli_runner().invoke(
        args=["staff", "create", "juriste@example.fr", "--role", "legal"])
    assert result.exit_code == 0, result.output
    link = result.stdout.strip().splitlines()[-1]

    visitor.goto(link)
    visitor.sees_page("Inscription d'un agent — étape 1 sur 2", "Choisir votre mot de passe")
    shots(visitor, "staff-01-enrolment")
    page.get_by_label(re.compile("^Mot de passe")).fill(STAFF_PASSWORD)
    page.get_by_label("Confirmation du mot de passe").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Continuer").click()

    visitor.sees_page("Inscription d'un agent — étape 2 sur 2",
                      "Associer votre application d'authentification")
    expect(page.locator("svg.staff-qr")).to_be_visible()
    shots(visitor, "staff-02-totp")
    secret = page.locator("#cle-totp").inner_text().replace(" ", "")
    page.get_by_label("Code à 6 chiffres").fill(
        totp.code_at_step(secret, totp.step_at(site.clock.now())))
    page.get_by_role("button", name="Terminer l'inscription").click()
    visitor.sees_page("Vos codes de secours", "Vos codes de secours")
    expect(page.locator("#codes-de-secours li")).to_have_count(10)
    page.get_by_role("link", name=re.compile("me connecter")).click()

    # Without the second factor: refused.
    visitor.sees_page("Connexion des agents", "Connexion des agents")
    page.get_by_label("Adresse électronique professionnelle").fill("juriste@example.fr")
    page.get_by_label("Mot de passe").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_contain_text("Ce champ est obligatoire")
    shots(visitor, "staff-03-login-refused")
    visitor.goto("/agents/")
    visitor.sees_page("Connexion des agents", "Connexion des agents")

    # With it: the staff home says who is signed in.
    site.clock.advance(timedelta(seconds=30))
    page.get_by_label("Adresse électronique professionnelle").fill("juriste@example.fr")
    page.get_by_label("Mot de passe").fill(STAFF_PASSWORD)
    page.get_by_label("Code de vérification").fill(
        totp.code_at_step(secret, totp.step_at(site.clock.now())))
    page.get_by_role("button", name="Se connecter").click()
    visitor.sees_page("Espace agents", "Espace agents")
    expect(visitor.main).to_contain_text("juriste@example.fr")
    expect(visitor.main).to_contain_text("juriste")
    shots(visitor, "staff-04-home")

    # A staff member is no holder.
    visitor.goto("/compte")
    expect(page.get_by_role("heading", level=1)).to_have_text("Accès refusé")
    visitor.goto("/agents/")
    page.get_by_role("button", name="Se déconnecter").click()
    visitor.sees_page("Connexion des agents", "Connexion des agents")
    assert visitor.csp_violations() == []
    assert visitor.errors() == [] or all("403" in e for e in visitor.errors())
