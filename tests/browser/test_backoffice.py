"""The back office in Chromium: a legal member finds a decision and a holder, exports the
results after typing his code again, reads the policies; the admin reads the access
journal; the holder sees who looked at his file. Screenshots at 1280 and 390 px when
NOTIFY_BROWSER_SCREENSHOTS is set."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from notify.clock import FixedClock
from tests.browser.conftest import (
    START,
    Visitor,
    enrol_staff,
    serve_site,
    shots,
    sign_in_staff,
    staff_code,
)
from tests.deposits import withdrawal

pytestmark = pytest.mark.browser


@pytest.fixture
def site(chromium_context, smtp_server, tsa_files, tmp_path):
    """A site of its own: its clock moves past the re-authentication delay, which the
    shared site's other tests must not see."""
    with serve_site(tmp_path, smtp_server.port, tsa_files, FixedClock(START)) as site:
        yield site


def test_search_holders_export_policies_journal_and_the_holders_own_view(site, visitor,
                                                                          expect):
    visitor = Visitor(visitor.page, site, visitor.shots)
    page = visitor.page
    holder_email = "consulte@example.fr"
    number = site.open_account(holder_email)
    site.deposit([withdrawal("BO-1", number), withdrawal("BO-2", number, points=1,
                                                         balance_after=9)])
    legal = enrol_staff(site, "juriste-bo@example.fr", "legal")
    admin = enrol_staff(site, "admin-bo@example.fr", "admin")

    sign_in_staff(visitor, "juriste-bo@example.fr", legal)
    expect(page.get_by_role("link", name="Journal des accès")).to_have_count(0)
    shots(visitor, "bo-01-home-legal")
    page.get_by_role("link", name="Rechercher des décisions").click()
    visitor.sees_page("Rechercher des décisions", "Rechercher des décisions")
    page.get_by_label("Numéro de permis").fill(number)
    page.get_by_role("button", name="Rechercher").click()
    expect(page.get_by_role("link", name="BO-1")).to_have_attribute(
        "href", "/agents/decisions/BO-1")
    shots(visitor, "bo-02-search-results")

    site.clock.advance(timedelta(minutes=11))  # past NOTIFY_REAUTH_MINUTES
    page.get_by_role("link", name=re.compile("Exporter en CSV")).click()
    visitor.sees_page("Confirmer votre identité", "Confirmer votre identité")
    shots(visitor, "bo-03-reauthentication")
    page.get_by_label("Code de vérification").fill(staff_code(site, legal))
    with page.expect_download() as download:
        page.get_by_role("button", name="Confirmer").click()
    assert "BO-1" in download.value.path().read_text(encoding="utf-8")

    visitor.goto("/agents/titulaires")
    page.get_by_label("Numéro de permis ou nom (début)").fill("navig")
    page.get_by_role("button", name="Chercher").click()
    shots(visitor, "bo-04-holders")
    page.get_by_role("link", name="NAVIGATEUR Camille").first.click()
    visitor.sees_page("Motif d'accès", "Motif d'accès")
    page.locator("label", has_text="Demande du titulaire").click()
    page.get_by_label(re.compile("^Précision")).fill("courriel du 2 novembre")
    page.get_by_role("button", name="Ouvrir le dossier").click()
    visitor.sees_page("Compte de NAVIGATEUR Camille", "NAVIGATEUR Camille")
    expect(visitor.main).to_contain_text("ouverture du compte")
    shots(visitor, "bo-05-holder")

    visitor.goto("/agents/politiques")
    visitor.sees_page("Valeurs et politiques en vigueur", "Valeurs et politiques en vigueur")
    expect(visitor.main).to_contain_text("NOTIFY_ACCESS_LOG_RETENTION")
    shots(visitor, "bo-06-policies")
    visitor.goto("/agents/journal")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Accès refusé")

    page.context.clear_cookies()
    sign_in_staff(visitor, "admin-bo@example.fr", admin)
    page.get_by_role("link", name="Journal des accès").click()
    visitor.sees_page("Journal des accès", "Journal des accès des agents")
    expect(visitor.main).to_contain_text("juriste-bo@example.fr")
    expect(visitor.main).to_contain_text("Demande du titulaire : courriel du 2 novembre")
    shots(visitor, "bo-07-journal")

    page.context.clear_cookies()
    visitor.goto("/connexion")
    page.get_by_label("Adresse électronique").fill(holder_email)
    page.get_by_label("Mot de passe").fill("correct horse battery staple")
    page.get_by_role("button", name="Se connecter").click()
    visitor.goto("/compte")
    page.get_by_role("link", name="Qui a consulté mon dossier").click()
    visitor.sees_page("Qui a consulté mon dossier", "Qui a consulté mon dossier")
    expect(visitor.main).to_contain_text("Agent du service (juriste)")
    expect(visitor.main).not_to_contain_text("juriste-bo@example.fr")
    shots(visitor, "bo-08-my-accesses")
    # The one error: the legal member's refused journal (403), as meant.
    assert [e for e in visitor.errors() if "403" not in e] == []
    assert visitor.csp_violations() == []
