"""A holder reads a decision in Chromium: the list, the page, the PDF, the notification."""

import pytest

from tests.deposits import withdrawal

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"


def test_holder_opens_a_decision_and_it_is_notified(visitor, expect):
    site = visitor.site
    licence = site.open_account("lecteur@example.fr")
    site.deposit([withdrawal("BRW-2026-0001", licence)])
    page = visitor.page
    visitor.goto("/connexion")
    page.get_by_label("Adresse électronique").fill("lecteur@example.fr")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    visitor.sees_page("Mon compte", "Mon compte")
    expect(page.get_by_text("Solde de votre permis")).to_contain_text("10 points")
    page.get_by_role("link", name="Toutes mes décisions").click()
    row = page.get_by_role("row").filter(has_text="BRW-2026-0001")
    expect(row).to_contain_text("réputée notifiée")
    row.get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Retrait de points")
    expect(page.get_by_text("Notifiée le 20 novembre 2026 (première consultation")).to_be_visible()
    expect(page.get_by_text("Excès de vitesse inférieur à 20 km/h")).to_be_visible()
    href = page.get_by_role("link", name="Télécharger le courrier (PDF)").get_attribute("href")
    pdf = page.request.get(site.url + href)  # the browser context's cookies: the holder's
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF-")
    visitor.screenshot("06-decision")
    assert visitor.csp_violations() == []
