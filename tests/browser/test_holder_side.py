"""The holder's side on a desktop and on a phone (390 px): every page shows its key
facts within the screen, and axe-core finds no accessibility violation."""

from __future__ import annotations

import pytest

from tests.browser.conftest import PASSWORD, accessibility_violations
from tests.deposits import restoration, withdrawal

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


@pytest.fixture(scope="module")
def holder_with_record(live_site):
    """Online withdrawals and a restoration, and a withdrawal by registered post:
    every kind of row of the record."""
    licence = live_site.open_account("releve@example.fr")
    live_site.deposit([
        withdrawal("HS-2026-0001", licence, decided_on="2026-09-01", balance_after=10,
                   offence={"date": "2026-08-02", "place": "Lyon (69)",
                            "description": "Excès de vitesse inférieur à 20 km/h",
                            "class": "C3"}),
        restoration("HS-2026-0002", licence, decided_on="2026-10-01", balance_after=12),
        withdrawal("HS-2026-0003", licence, decided_on="2026-11-02", points=3,
                   balance_after=9,
                   offence={"date": "2026-10-20", "place": "Lyon (69)",
                            "description": "Usage du téléphone tenu en main",
                            "class": "C4"}),
        # 3 points off a probationary licence: by registered post (R. 223-4 I).
        withdrawal("HS-2026-0004", licence, decided_on="2026-11-10", points=3,
                   balance_after=6, probationary=True),
    ])
    return licence


def _login(visitor, email):
    page = visitor.page
    visitor.goto("/connexion")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    visitor.sees_page("Mon compte", "Mon compte")


def _within_screen(page, locator, width):
    box = locator.bounding_box()
    assert box is not None, "not shown"
    assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, box
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("screen", WIDTHS)
def test_holder_pages_show_their_key_facts_and_are_accessible(visitor, expect,
                                                              holder_with_record, screen):
    width, height = WIDTHS[screen]
    page = visitor.page
    page.set_viewport_size({"width": width, "height": height})
    _login(visitor, "releve@example.fr")
    expect(page.get_by_text("Solde de votre permis")).to_contain_text("6 points")
    expect(page.get_by_role("heading", name="Reconstitutions à prévoir")).to_be_visible()
    header = page.get_by_role("columnheader", name="Envoi et notification")
    _within_screen(page, header, width)
    row = page.get_by_role("row").filter(has_text="HS-2026-0003")
    _within_screen(page, row.get_by_role("cell").last, width)
    expect(row).to_contain_text("réputée notifiée")
    postal = page.get_by_role("row").filter(has_text="HS-2026-0004")
    expect(postal).to_contain_text("Par lettre recommandée avec avis de réception")
    _within_screen(page, postal.get_by_role("cell").last, width)
    assert accessibility_violations(page) == []
    visitor.screenshot(f"holder-account-{screen}")

    visitor.goto("/decisions")
    row = page.get_by_role("row").filter(has_text="HS-2026-0001")
    _within_screen(page, row.get_by_role("cell").last, width)
    assert accessibility_violations(page) == []
    visitor.screenshot(f"holder-decisions-{screen}")

    row.get_by_role("link").first.click()
    expect(page.get_by_text("Instant de la notification")).to_be_visible()
    _within_screen(page, page.get_by_text("Instant de la notification"), width)
    expect(page.get_by_text("heure de Paris").first).to_be_visible()
    assert accessibility_violations(page) == []
    visitor.screenshot(f"holder-decision-{screen}")

    for path, name in (("/compte/courriel", "email"), ("/compte/mot-de-passe", "password"),
                       ("/compte/fermeture", "closure")):
        visitor.goto(path)
        _within_screen(page, page.get_by_role("heading", level=1), width)
        assert accessibility_violations(page) == [], path
        visitor.screenshot(f"holder-{name}-{screen}")
    for path, name in (("/compte/acces", "accesses"), ("/compte/immatriculations",
                                                         "registrations")):
        visitor.goto(path)
        _within_screen(page, page.get_by_role("heading", level=1), width)
        assert accessibility_violations(page) == [], path
        visitor.screenshot(f"holder-{name}-{screen}")


PUBLIC_PAGES = ("/", "/connexion", "/inscription", "/immatriculation/suivi",
                "/conditions-generales", "/modalites-delai-de-recours", "/accessibilite",
                "/mentions-legales", "/donnees-personnelles", "/aide/delai-de-recours",
                "/agents/connexion")


@pytest.mark.parametrize("screen", WIDTHS)
def test_public_pages_fit_the_screen_and_are_accessible(visitor, screen):
    width, height = WIDTHS[screen]
    page = visitor.page
    page.set_viewport_size({"width": width, "height": height})
    for path in PUBLIC_PAGES:
        visitor.goto(path)
        _within_screen(page, page.get_by_role("heading", level=1), width)
        assert accessibility_violations(page) == [], path
