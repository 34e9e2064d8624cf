"""A legal staff member, in Chromium, signs in with TOTP, finds a deemed-notified
decision by the holder's licence number, gives the motif d'accès, reads the timeline,
verifies the evidence on the server, downloads the bundle and the attestation; the
holder's decision is still unconsulted, and the administrator sees each read in the
access journal (issue #8's "done when")."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from notify.backoffice.models import StaffAccess
from notify.clock import FixedClock
from notify.decisions.models import Decision
from notify.evidence.bundle import check_bundle
from notify.evidence.log import events_of
from tests.browser.conftest import START, enrol_staff, serve_site, shots, sign_in_staff
from tests.deposits import withdrawal

pytestmark = pytest.mark.browser

DELAY_ENDS = datetime(2026, 12, 5, 23, 0, tzinfo=UTC)


@pytest.fixture
def site(chromium_context, smtp_server, tsa_files, tmp_path):
    """A site of its own: its clock moves past the fifteen-day delay."""
    with serve_site(tmp_path, smtp_server.port, tsa_files, FixedClock(START)) as site:
        yield site


def test_legal_staff_verify_a_deemed_notification(site, visitor, expect, tmp_path):
    from tests.browser.conftest import Visitor

    visitor = Visitor(visitor.page, site, visitor.shots)
    page = visitor.page
    number = site.open_account("bo-titulaire@example.fr")
    site.deposit([withdrawal("BO-2026-0001", number)])
    site.send_mail()  # the alert
    site.clock.set(DELAY_ENDS + timedelta(hours=1))
    site.run_jobs("record_deemed_notifications")
    site.run_jobs("certify_evidence")
    secret = enrol_staff(site, "juriste@example.fr", "legal")
    admin = enrol_staff(site, "admin@example.fr", "admin")

    sign_in_staff(visitor, "juriste@example.fr", secret)

    # Found by the holder's licence number; opening it asks the motif d'accès first.
    page.get_by_role("link", name="Rechercher des décisions").click()
    page.get_by_label("Numéro de permis").fill(number)
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_role("link", name="BO-2026-0001").click()
    visitor.sees_page("Motif d'accès", "Motif d'accès")
    shots(visitor, "backoffice-01-motif")
    page.locator("label", has_text="Réquisition judiciaire").click()
    page.get_by_label(re.compile("^Précision")).fill("PV n° 2026/1234")
    page.get_by_role("button", name="Ouvrir le dossier").click()

    visitor.sees_page("Décision BO-2026-0001", "Décision BO-2026-0001")
    expect(visitor.main).to_contain_text("NAVIGATEUR Camille")
    expect(visitor.main).to_contain_text("Réputée notifiée le 5 décembre 2026")
    expect(visitor.main).to_contain_text("jusqu'au 8 février 2027 inclus")
    rows = page.locator("#chronologie tbody tr")
    expect(rows).to_have_count(4)
    for n, fact in enumerate(["Dépôt de la décision", "Mise à disposition",
                              "Envoi du courriel d'alerte", "Notification réputée acquise"]):
        expect(rows.nth(n)).to_contain_text(fact)
        expect(rows.nth(n)).to_contain_text("certifié")
        expect(rows.nth(n)).to_contain_text("jeton n° de série")
    shots(visitor, "backoffice-02-decision")

    page.get_by_role("button", name="Vérifier maintenant").click()
    expect(page.get_by_role("heading", name="Toutes les vérifications ont réussi")).to_be_visible()
    checks = page.locator("#verifications li")
    assert checks.count() >= 10
    expect(page.locator("#verifications .fr-badge--error")).to_have_count(0)
    expect(page.locator("#verifications")).to_contain_text(
        "Aucune consultation n'a été enregistrée avant la fin du délai")
    shots(visitor, "backoffice-03-verified")

    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("paquet de preuves")).click()
    bundle = download.value.path().read_bytes()
    assert download.value.suggested_filename == "preuves-BO-2026-0001.zip"
    report = check_bundle(bundle)
    assert report.ok, report.failures

    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("attestation de notification")).click()
    pdf = tmp_path / "attestation.pdf"
    pdf.write_bytes(download.value.path().read_bytes())
    words = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                    check=True, text=True).stdout.split())
    assert "Date de notification : 5 décembre 2026" in words
    assert visitor.csp_violations() == [] and visitor.errors() == []

    # An unknown reference: a French 404 page.
    visitor.goto("/agents/decisions/BO-INCONNUE")
    visitor.sees_page("Page introuvable", "Page introuvable")
    expect(visitor.main).to_contain_text("Aucune décision ne porte la référence « BO-INCONNUE ».")
    shots(visitor, "backoffice-04-unknown")

    # The holder's decision is still unconsulted; each read is in the access log.
    with site.app.extensions["notify"].db.unit_of_work() as uow:
        decision = uow.session.scalar(select(Decision)
                                      .where(Decision.reference == "BO-2026-0001"))
        assert decision.first_consulted_at is None
        assert decision.notification_basis == "deemed"
        assert "first_consultation" not in {e.tag for e in events_of(uow.session,
                                                                    decision.subject)}
        reads = uow.session.execute(select(StaffAccess.action, StaffAccess.reference,
                                           StaffAccess.reason)
                                    .order_by(StaffAccess.id)).all()
    assert [tuple(r) for r in reads] == [("search", "BO-2026-0001", None)] + [
        (action, "BO-2026-0001", "Réquisition judiciaire : PV n° 2026/1234")
        for action in ("decision", "verification", "bundle", "attestation")]

    # The administrator sees those reads in the access journal.
    page.context.clear_cookies()
    sign_in_staff(visitor, "admin@example.fr", admin)
    page.get_by_role("link", name="Journal des accès").click()
    visitor.sees_page("Journal des accès", "Journal des accès des agents")
    journal = visitor.main.locator("table tbody tr")
    expect(journal).to_have_count(5)
    for label in ("résultat de recherche", "lecture d'une décision", "vérification des preuves",
                  "téléchargement des preuves", "attestation de notification"):
        expect(visitor.main).to_contain_text(label)
    expect(visitor.main).to_contain_text("Réquisition judiciaire : PV n° 2026/1234")
