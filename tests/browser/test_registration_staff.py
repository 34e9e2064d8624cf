"""The staff's registration pages in Chromium, on the demo's files (a backlog at one
centre, a suspended provider): dashboard, search, a file behind its "motif d'accès",
the providers' register and a provider's page, at desktop width and on a 390-pixel
phone (the dashboard's tables scroll inside their frame, its charts scale)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import enrol_staff, fill_staff_login, shots

pytestmark = pytest.mark.browser


def _registration_staff(site) -> str:
    """The demo's files, and a member of role ``registration`` enrolled; his TOTP key."""
    from notify.demo.registrations import load_registrations

    services = site.app.extensions["notify"]
    with site.app.app_context(), services.db.unit_of_work() as uow:
        load_registrations(uow.session, site.clock.now(), services.settings)
        uow.commit()
    return enrol_staff(site, "immat@example.fr", "registration")


def test_registration_staff_pages(visitor, expect):
    site, page = visitor.site, visitor.page
    secret = _registration_staff(site)
    visitor.goto("/agents/immatriculations/tableau-de-bord")
    visitor.sees_page("Connexion des agents", "Connexion des agents")
    fill_staff_login(visitor, "immat@example.fr", secret)

    visitor.sees_page("Tableau de bord des immatriculations",
                      "Tableau de bord des immatriculations")
    expect(page.locator("svg.chart")).to_have_count(5)
    expect(page.locator("svg.chart title").first).to_have_text(
        "Dossiers en cours par centre et par statut")
    shots(visitor, "registrations-staff-01-dashboard")
    # On a phone nothing is wider than the screen: the tables scroll in their frame.
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 900})

    visitor.goto("/agents/immatriculations?q=CERT")
    visitor.sees_page("Dossiers d'immatriculation", "Dossiers d'immatriculation")
    shots(visitor, "registrations-staff-02-search")
    page.locator("main table a").first.click()
    visitor.sees_page("Motif d'accès", "Motif d'accès")
    page.locator("label", has_text="Contrôle interne").click()
    page.get_by_role("button", name="Ouvrir le dossier").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dossier IM")
    expect(page.get_by_role("link", name="Télécharger le paquet de preuves (ZIP)")
           ).to_be_visible()
    shots(visitor, "registrations-staff-03-file")

    visitor.goto("/agents/prestataires")
    visitor.sees_page("Registre des professionnels habilités",
                      "Registre des professionnels habilités")
    expect(visitor.main).to_contain_text("suspendu")
    shots(visitor, "registrations-staff-04-providers")
    page.locator("main table a").last.click()
    expect(page.get_by_role("heading", name="Historique du statut")).to_be_visible()
    shots(visitor, "registrations-staff-05-provider")
    assert visitor.csp_violations() == []
    assert visitor.errors() == []
