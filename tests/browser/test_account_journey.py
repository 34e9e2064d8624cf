"""A holder's whole account journey, in Chromium, as he sees it."""

import re

import pytest

from tests.browser.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_register_verify_login_change_email_close_and_withdraw(visitor, inbox, expect):
    site, page = visitor.site, visitor.page
    number, code = site.new_holder()

    visitor.goto("/")
    visitor.sees_page("Accueil", "Recevez vos décisions de points en ligne")
    visitor.screenshot("01-home")
    visitor.main.get_by_role("link", name="Créer mon compte").click()

    # Step 1: who he is.
    visitor.sees_page("Créer mon compte — étape 1 sur 2", re.compile("Étape 1 sur 2"))
    page.get_by_label("Numéro de permis de conduire").fill(number)
    page.get_by_label("Date de naissance").fill("1979-03-08")
    page.get_by_label("Code d'activation").fill(code)
    page.get_by_role("button", name="Continuer").click()

    # Step 2: address, password, the two commitments of R. 223-3-1 I.
    visitor.sees_page("Créer mon compte — étape 2 sur 2", re.compile("Étape 2 sur 2"))
    expect(page).not_to_have_url(re.compile(number))
    page.get_by_label("Adresse électronique").fill("camille@example.fr")
    page.get_by_label(re.compile("^Mot de passe")).fill(PASSWORD)
    page.get_by_label("Confirmation du mot de passe").fill(PASSWORD)
    visitor.tick("J'accepte les conditions générales d'utilisation")
    visitor.tick("J'atteste avoir pris connaissance")
    page.get_by_role("button", name="Créer mon compte").click()
    visitor.sees_page("Vérifiez votre adresse électronique", "Vérifiez votre adresse électronique")
    expect(visitor.main).to_contain_text("Un courriel contenant un lien de vérification")

    # The verification e-mail; the link only shows a button (mail scanners prefetch).
    site.send_mail()
    visitor.goto(visitor.link_in_mail(inbox, "camille@example.fr", "/compte/verification"))
    visitor.sees_page("Confirmer mon adresse électronique", "Confirmer mon adresse électronique")
    page.get_by_role("button", name="Confirmer mon adresse").click()
    visitor.sees_page("Se connecter", "Se connecter")
    expect(page.get_by_role("status")).to_have_text(
        "Votre adresse est vérifiée : votre compte est ouvert. Connectez-vous.")

    # Login.
    page.get_by_label("Adresse électronique").fill("camille@example.fr")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    visitor.sees_page("Mon compte", "Mon compte")
    expect(visitor.main).to_contain_text("Ouvert depuis le 20 novembre 2026")
    expect(visitor.main).to_contain_text("camille@example.fr")
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()

    # New e-mail address: used only once verified; the old one is told.
    inbox.messages.clear()
    page.get_by_role("link", name="Changer d'adresse").click()
    visitor.sees_page("Changer mon adresse électronique", "Changer mon adresse électronique")
    page.get_by_label("Nouvelle adresse électronique").fill("camille.new@example.fr")
    page.get_by_role("button", name="Envoyer le lien de vérification").click()
    visitor.sees_page("Mon compte", "Mon compte")
    expect(page.get_by_role("status")).to_contain_text("Un lien de vérification a été envoyé")
    expect(visitor.main).to_contain_text(
        "Nouvelle adresse en attente de vérification : camille.new@example.fr")
    site.send_mail()
    assert sorted(m["To"] for m in inbox.messages) == [
        "camille.new@example.fr", "camille@example.fr"]
    visitor.goto(visitor.link_in_mail(inbox, "camille.new@example.fr", "/compte/verification"))
    page.get_by_role("button", name="Confirmer mon adresse").click()
    visitor.sees_page("Mon compte", "Mon compte")
    expect(page.get_by_role("status")).to_have_text(
        "Votre nouvelle adresse électronique est vérifiée et sera désormais utilisée.")
    expect(visitor.main).to_contain_text("camille.new@example.fr")
    expect(visitor.main).not_to_contain_text("en attente de vérification")

    # Closure: explicit confirmation, effective date shown, can be withdrawn.
    page.get_by_role("link", name="Fermer mon compte").click()
    visitor.sees_page("Fermer mon compte", "Fermer mon compte")
    expect(visitor.main).to_contain_text("délai de 1 mois")
    visitor.tick("Je demande la fermeture de mon compte")
    page.get_by_role("button", name="Demander la fermeture").click()
    visitor.sees_page("Mon compte", "Mon compte")
    expect(page.get_by_role("status")).to_have_text(
        "Votre demande de fermeture est enregistrée.")
    expect(visitor.main.locator(".fr-badge")).to_have_text("Fermeture demandée")
    # 20 November 2026 09:30 UTC + 1 month, in Paris time.
    expect(visitor.main).to_contain_text(
        "Votre compte sera fermé le 20 décembre 2026 à 10:30:00")
    expect(page.get_by_role("link", name="Fermer mon compte")).to_have_count(0)
    visitor.screenshot("04-account-closure-pending")

    page.get_by_role("button", name="Retirer ma demande de fermeture").click()
    visitor.sees_page("Mon compte", "Mon compte")
    expect(page.get_by_role("status")).to_have_text(
        "Votre demande de fermeture est retirée : votre compte reste ouvert.")
    expect(visitor.main.locator(".fr-badge")).to_have_text("Ouvert depuis le 20 novembre 2026")
    expect(page.get_by_role("link", name="Fermer mon compte")).to_be_visible()

    assert visitor.csp_violations() == []
