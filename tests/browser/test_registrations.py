"""The owner's registration pages in Chromium: tracking with number and code, and the
holder's list, at desktop width and on a 390-pixel phone."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from tests.browser.conftest import PASSWORD

pytestmark = pytest.mark.browser

_worlds = itertools.count(1)


def _file_with_history(site, email: str):
    """A provider, a centre and one file moved along its life, as of the site's clock."""
    from notify.auth.models import Organisation
    from notify.registrations import operations as reg
    from notify.registrations.models import Centre

    n = next(_worlds)
    services = site.app.extensions["notify"]
    start = site.clock.now()
    with site.app.app_context(), services.db.unit_of_work() as uow:
        s = uow.session
        garage = Organisation(slug=f"garage-{n}", name="Garage des Lilas", kind="provider",
                              created_at=start)
        cert = Organisation(slug=f"cert-{n}", name="CERT de Lyon", kind="centre",
                            created_at=start)
        s.add_all([garage, cert])
        s.flush()
        reg.register_provider(s, reg.Actor.staff("agent"), organisation_id=garage.id,
                              habilitation_number=f"HAB-69-{n:04d}", prefecture="Rhône",
                              siret="73282932000074", activity="Garage", now=start)
        s.add(Centre(organisation_id=cert.id, code=f"CERT-LYON-{n}", name="CERT de Lyon",
                     contact="Formulaire « Poser une question » sur "
                             "immatriculation.ants.gouv.fr ; 34 00"))
        s.flush()
        provider, centre = reg.Actor.provider(garage.id), reg.Actor.centre(cert.id)
        filed = reg.file_application(s, provider, {
            "procedure": "changement_titulaire", "vin": "VF1RFA00067123456",
            "plate": "FG-482-KL", "provider_reference": "DOS-1",
            "mandate_signed_at": "2026-11-05T10:00:00Z", "centre": f"CERT-LYON-{n}",
            "applicant": {"name": "Camille Navigateur", "email": email}},
            now=start - timedelta(days=12), mandate_days=15, test_domains=True)
        number = filed.application.number
        for event, actor, days, reason in (
                ("submit", provider, 11.8, None), ("record_payment", provider, 11.5, None),
                ("request_information", centre, 3,
                 "Le justificatif de domicile fourni a plus de six mois : envoyez-en un "
                 "récent.")):
            reg.transition(s, actor, number, event, now=start - timedelta(days=days),
                           base_url=site.url, reason=reason)
        uow.commit()
    site.run_jobs("certify_evidence")
    return number, filed.tracking_code


def test_tracking_page_and_holder_list(visitor, expect):
    site, page = visitor.site, visitor.page
    site.open_account("immat@example.fr")
    number, code = _file_with_history(site, "immat@example.fr")

    visitor.goto("/immatriculation/suivi")
    visitor.sees_page("Suivre ma demande d'immatriculation",
                      "Suivre ma demande d'immatriculation")
    page.get_by_label("Numéro de dossier").fill(number)
    page.get_by_label("Code de suivi").fill("AAAA-BBBB-CCCC-DDDD")
    page.get_by_role("button", name="Voir mon dossier").click()
    expect(page.get_by_role("alert")).to_contain_text("code de suivi incorrect")
    page.get_by_label("Code de suivi").fill(code)
    page.get_by_role("button", name="Voir mon dossier").click()
    visitor.sees_page(f"Dossier d'immatriculation {number}", f"Dossier {number}")
    assert number not in page.url
    expect(visitor.main).to_contain_text("En attente d'information")
    expect(visitor.main).to_contain_text("justificatif de domicile")
    expect(visitor.main).to_contain_text("Ce qui est attendu de vous")
    expect(visitor.main).to_contain_text("horodaté le")
    visitor.screenshot("registration-tracking-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    visitor.screenshot("registration-tracking-390")
    page.set_viewport_size({"width": 1280, "height": 900})

    visitor.goto("/connexion")
    page.get_by_label("Adresse électronique").fill("immat@example.fr")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("link", name="Voir mes démarches d'immatriculation").click()
    visitor.sees_page("Mes démarches d'immatriculation", "Mes démarches d'immatriculation")
    expect(visitor.main).to_contain_text("Action attendue")
    visitor.screenshot("registration-holder-list-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    visitor.screenshot("registration-holder-list-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name=number).click()
    expect(visitor.main).to_contain_text("Historique daté")
    assert visitor.csp_violations() == [] and visitor.errors() == []
