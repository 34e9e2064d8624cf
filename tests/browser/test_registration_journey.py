"""One carte grise application from filing to delivery, end to end (issue 9): a provider's
system files, submits and pays through the real HTTP API of the live site, the centre's
system instructs, validates, produces, ships and delivers; in Chromium the owner follows
the file on the tracking page and in his account, a registration agent signs in with
TOTP, sees it on the backlog dashboard and suspends the provider through the form; the
provider's next call is refused, naming the suspension.

The site is its own (``live_site`` overridden): its clock moves by days along the file's
life, and the dashboard counts only this test's files.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import requests

from notify.auth import api_clients
from notify.clock import FixedClock
from notify.registrations import operations as reg
from notify.registrations.models import Centre
from tests.browser.conftest import (
    PASSWORD,
    START,
    accessibility_violations,
    enrol_staff,
    fill_staff_login,
    serve_site,
    shots,
)

pytestmark = pytest.mark.browser

OWNER = "carte-grise@example.fr"
AGENT = "agent-immat@example.fr"
HABILITATION = "HAB-69-0042"


@pytest.fixture
def live_site(chromium_context, smtp_server, tsa_files, tmp_path):
    """A site of its own (the ``visitor`` fixture's), on a clock of its own."""
    with serve_site(tmp_path, smtp_server.port, tsa_files, FixedClock(START)) as site:
        yield site


def _world(site) -> dict:
    """A provider in the register and a centre, each with its system's API token, a
    registration agent enrolled, and the owner's open account."""
    services = site.app.extensions["notify"]
    now = site.clock.now()
    with site.app.app_context(), services.db.unit_of_work() as uow:
        s = uow.session
        garage = api_clients.create_organisation(s, "garage-des-lilas", "Garage des Lilas",
                                                 "provider", now)
        cert = api_clients.create_organisation(s, "cert-lyon", "CERT de Lyon", "centre", now)
        provider = reg.register_provider(
            s, reg.Actor.staff("agent"), organisation_id=garage.id,
            habilitation_number=HABILITATION, prefecture="Rhône", siret="73282932000074",
            activity="Garage automobile", now=now)
        centre = Centre(organisation_id=cert.id, code="CERT-LYON", name="CERT de Lyon",
                        contact="Formulaire « Poser une question » sur "
                                "immatriculation.ants.gouv.fr ; 34 00")
        s.add(centre)
        _, garage_token = api_clients.create_client(s, "garage-sys", "garage-des-lilas",
                                                    ["registrations:file"], now)
        _, cert_token = api_clients.create_client(s, "cert-lyon-sys", "cert-lyon",
                                                  ["registrations:instruct"], now)
        s.flush()
        world = {"provider_id": provider.id, "centre_id": centre.id,
                 "garage": Api(site, garage_token), "cert": Api(site, cert_token)}
        uow.commit()
    world["secret"] = enrol_staff(site, AGENT, "registration")
    site.open_account(OWNER)
    return world


class Api:
    """A partner system calling the live site over HTTP with its bearer token."""

    def __init__(self, site, token: str) -> None:
        self.url = f"{site.url}/api/v1/registrations"
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str = "", json=None, expect: int = 200) -> dict:
        response = self.http.request(method, self.url + path, json=json, timeout=10)
        assert response.status_code == expect, response.text
        return response.json()


def _filing(reference: str, plate: str, mandate: datetime) -> dict:
    return {"procedure": "changement_titulaire", "vin": "VF1RFA00067123456", "plate": plate,
            "provider_reference": reference, "centre": "CERT-LYON",
            "mandate_signed_at": mandate.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "applicant": {"name": "Camille Navigateur", "email": OWNER}}


def _api_journey(site, garage: Api, cert: Api) -> tuple[str, str, str]:
    """The delivered file (number and tracking code) and another one left in review,
    moved by the systems over HTTP while the site's clock runs through eight days."""
    clock = site.clock
    created = garage.call("POST", json=_filing("DOS-1", "FG-482-KL",
                                               clock.now() - timedelta(days=2)), expect=201)
    number, code = created["file"]["number"], created["tracking_code"]
    assert created["file"]["state"] == "a_completer" and code
    for days, system, path, body, state in (
            (0.1, garage, "/submit", None, "en_attente_paiement"),
            (0.2, garage, "/payment", None, "en_instruction"),
            (3, cert, "/transitions", {"event": "approve"}, "validee"),
            (1, cert, "/transitions", {"event": "start_production"}, "titre_en_production"),
            (1.5, cert, "/transitions", {"event": "ship"}, "titre_en_acheminement"),
            (2, cert, "/transitions", {"event": "deliver"}, "distribue")):
        clock.advance(timedelta(days=days))
        assert system.call("POST", f"/{number}{path}", json=body)["to_state"] == state
    read = cert.call("GET", f"/{number}")
    assert read["file"]["state_label"] == "Distribué"
    assert [c["event"] for c in read["timeline"]] == [
        "filed", "submit", "record_payment", "approve", "start_production", "ship", "deliver"]

    # A second file of the same provider, still in review when the provider is suspended.
    clock.advance(timedelta(hours=1))
    other = garage.call("POST", json=_filing("DOS-2", "HJ-123-MN", clock.now()),
                        expect=201)["file"]["number"]
    garage.call("POST", f"/{other}/submit")
    garage.call("POST", f"/{other}/payment")
    clock.advance(timedelta(hours=1))
    site.run_jobs("certify_evidence")
    return number, code, other


def test_a_file_from_filing_to_delivery_then_the_provider_suspended(visitor, expect, inbox):
    site, page = visitor.site, visitor.page
    world = _world(site)
    number, code, other = _api_journey(site, world["garage"], world["cert"])

    # The owner, with the number and the code given at filing.
    visitor.goto("/immatriculation/suivi")
    visitor.sees_page("Suivre ma demande d'immatriculation",
                      "Suivre ma demande d'immatriculation")
    assert accessibility_violations(page) == []
    page.get_by_label("Numéro de dossier").fill(number)
    page.get_by_label("Code de suivi").fill(code)
    page.get_by_role("button", name="Voir mon dossier").click()
    visitor.sees_page(f"Dossier d'immatriculation {number}", f"Dossier {number}")
    expect(page.locator(".fr-callout .fr-badge")).to_have_text("Distribué")
    timeline = page.locator("main table", has_text="Date")
    expect(timeline.locator("tbody tr")).to_have_count(7)
    expect(timeline.locator("tbody tr").first).to_contain_text("titre distribué")
    expect(timeline.locator("tbody tr").first).to_contain_text("28 novembre 2026")
    expect(timeline.locator("tbody tr").last).to_contain_text("20 novembre 2026")
    expect(timeline).to_contain_text("horodaté le")
    expect(timeline).not_to_contain_text("horodatage en cours")
    expect(visitor.main).to_contain_text("Garage des Lilas")
    assert accessibility_violations(page) == []
    shots(visitor, "registration-journey-01-tracking")

    # In his account, the same file among his registration procedures.
    visitor.goto("/connexion")
    page.get_by_label("Adresse électronique").fill(OWNER)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("link", name="Voir mes démarches d'immatriculation").click()
    visitor.sees_page("Mes démarches d'immatriculation", "Mes démarches d'immatriculation")
    delivered = visitor.main.locator("tbody tr", has_text=number)
    expect(delivered).to_contain_text("Distribué")
    expect(delivered).to_contain_text("déposé le 20 novembre 2026")
    expect(visitor.main.locator("tbody tr", has_text=other)).to_contain_text("En instruction")
    shots(visitor, "registration-journey-02-account")
    page.get_by_role("link", name=number).click()
    expect(visitor.main).to_contain_text("Historique daté")
    expect(page.locator(".fr-callout .fr-badge")).to_have_text("Distribué")

    # A registration agent signs in with TOTP and opens the dashboard of the centre.
    site.clock.advance(timedelta(seconds=30))
    page.context.clear_cookies()
    visitor.goto(f"/agents/immatriculations/tableau-de-bord?centre={world['centre_id']}")
    visitor.sees_page("Connexion des agents", "Connexion des agents")
    fill_staff_login(visitor, AGENT, world["secret"])
    visitor.sees_page("Tableau de bord des immatriculations",
                      "Tableau de bord des immatriculations")
    per_centre = page.locator("section", has=page.locator("#t-centres"))
    expect(per_centre.locator("tbody tr")).to_have_count(1)
    expect(per_centre.locator("tbody tr td").nth(0)).to_have_text("CERT-LYON")
    expect(per_centre.locator("tbody tr td").nth(1)).to_have_text("1")  # the one in review
    weeks = page.locator("section", has=page.locator("#t-semaines"))
    # The last week: one filed (the second), one finished (the delivered one).
    expect(weeks.locator("tbody tr").last.locator("td").nth(1)).to_have_text("1")
    expect(weeks.locator("tbody tr").last.locator("td").nth(2)).to_have_text("1")
    expect(weeks.locator("tbody tr").nth(10).locator("td").nth(1)).to_have_text("1")
    oldest = page.locator("section", has=page.locator("#t-anciens"))
    expect(oldest.locator("tbody tr")).to_have_count(1)
    expect(oldest.locator("tbody tr")).to_contain_text(other)
    # No late file: the empty chart says so below its legend, not over it.
    late = page.locator("section", has=page.locator("#t-retards")).locator("svg.chart")
    legend = late.locator("text", has_text="transmis en retard").bounding_box()
    empty = late.locator("text", has_text="Aucune donnée.").bounding_box()
    assert empty["y"] >= legend["y"] + legend["height"], (legend, empty)
    shots(visitor, "registration-journey-03-dashboard")

    # The provider's page, and its suspension through the form.
    visitor.goto(f"/agents/prestataires/{world['provider_id']}")
    visitor.sees_page("Garage des Lilas — professionnel habilité", "Garage des Lilas")
    expect(page.locator(".fr-text--lead .fr-badge")).to_have_text("actif")
    page.get_by_role("button", name="Suspendre l'habilitation").first.click()
    form = page.locator("#action-suspendre")
    form.get_by_label("Fondement juridique").select_option("negligence")
    form.get_by_label("Motif").fill("Pièces d'identité non vérifiées sur plusieurs dossiers.")
    form.get_by_label("Suspendu jusqu'au (inclus)").fill("2026-12-31")
    form.get_by_role("button", name="Suspendre l'habilitation").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("L'habilitation est suspendue.")
    expect(page.locator(".fr-text--lead .fr-badge")).to_have_text("suspendu")
    expect(page.locator(".fr-text--lead")).to_contain_text("jusqu'au 31 décembre 2026 inclus")
    history = page.locator("main table", has_text="Fondement")
    expect(history.locator("tbody tr").first).to_contain_text("Pièces d'identité non vérifiées")
    expect(history.locator("tbody tr").first).to_contain_text("manquement ou négligence")
    expect(visitor.main).to_contain_text("1, dont 1 signalé (propriétaires prévenus)")
    shots(visitor, "registration-journey-04-provider-suspended")
    assert visitor.csp_violations() == [] and visitor.errors() == []

    # The provider's system is refused from its next call, naming the suspension; the
    # centre still reads the file in progress, flagged.
    refused = ("L'habilitation de ce professionnel est suspendue jusqu'au 31 décembre 2026 "
               "inclus (manquement ou négligence dans l'exercice de l'activité "
               "(art. 18-10)) : il ne peut ni déposer ni faire évoluer de demande.")
    assert world["garage"].call("GET", f"/{other}", expect=403) == {
        "error": {"status": 403, "message": refused}}
    assert world["garage"].call("POST", json=_filing("DOS-3", "JK-456-LM", site.clock.now()),
                                expect=403)["error"]["message"] == refused
    flagged = world["cert"].call("GET", f"/{other}")["file"]
    assert flagged["provider_flag"].startswith("Habilitation du professionnel")

    # The owner was told of the delivery, and that his provider can no longer act.
    site.send_mail()
    told = [(m["Subject"], m.get_body(("plain",)).get_content()) for m in inbox.messages
            if m["To"] == OWNER]
    assert any(f"n° {number} a changé de statut : Distribué" in text for _, text in told)
    assert [subject for subject, text in told if other in text][-1] == (
        "Votre démarche d'immatriculation : votre professionnel ne peut plus agir")
