"""The staff's registration pages, through the Flask test client: who may open them, the
access log of files read, the evidence bundle, the providers' actions and the dashboard."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from notify.backoffice.models import StaffAccess
from notify.evidence.bundle import check_bundle
from notify.mail.models import OutboxMessage
from notify.registrations import operations as reg
from notify.registrations.models import Application, Provider
from tests.conftest import current_code, staff_login

BASE = "https://notify.test"
REASON = {"reason": "holder_request", "detail": "Appel du propriétaire"}


@pytest.fixture
def world(app, session, registration_world):
    """Two files of the garage at Lyon, one moved on; committed."""
    w = registration_world
    with app.app_context():
        w.first = w.file(email="camille@example.fr").application
        w.second = w.file(plate="GH-456-JK", vin="WVWZZZ1JZXW000001",
                          applicant={"name": "Dominique Petit",
                                     "email": "dominique@example.fr"}).application
        reg.submit(session, w.garage_actor, w.first.number,
                   now=w.first.filed_at + timedelta(hours=3), base_url=BASE)
        w.garage_provider = reg.provider_of(session, w.garage_actor)
    session.commit()
    return w


def sign_in(browser, clock, enrolled_staff, role, email=None):
    email, secret, _ = enrolled_staff(email=email or f"{role}@example.fr", role=role)
    assert staff_login(browser, email, current_code(secret, clock)).status_code == 302
    return email


def _pages(world) -> list[str]:
    number = world.first.number
    provider = world.garage_provider.id
    return ["/agents/immatriculations?q=Martin", f"/agents/immatriculations/{number}",
            f"/agents/immatriculations/{number}/preuves.zip", "/agents/prestataires",
            f"/agents/prestataires/{provider}", "/agents/immatriculations/tableau-de-bord",
            "/agents/immatriculations/tableau-de-bord.csv?table=centres"]


def test_anonymous_visitors_go_to_the_staff_login(browser, world):
    for url in _pages(world):
        answer = browser.get(url)
        assert answer.status_code == 302, url
        assert answer.headers["Location"].startswith("/agents/connexion?next="), url
    answer = browser.submit(f"/agents/prestataires/{world.garage_provider.id}/suspendre",
                            page="/immatriculation/suivi")  # a page with a CSRF token
    assert answer.headers["Location"].startswith("/agents/connexion?next=")


def test_a_holder_is_refused(browser, open_account, world):
    open_account(email="titulaire@example.fr")
    browser.login("titulaire@example.fr")
    for url in _pages(world):
        assert browser.get(url).status_code == 403, url


def test_a_legal_staff_member_is_refused(browser, clock, enrolled_staff, world):
    sign_in(browser, clock, enrolled_staff, "legal")
    for url in _pages(world):
        assert browser.get(url).status_code == 403, url
    answer = browser.submit(f"/agents/prestataires/{world.garage_provider.id}/retirer",
                            {"retirer-legal_ground": "fraud", "retirer-reason": "Fraude"},
                            page="/agents/")
    assert answer.status_code == 403


@pytest.mark.parametrize("role", ["registration", "admin"])
def test_registration_and_admin_staff_open_every_page(browser, clock, enrolled_staff, world,
                                                      role):
    sign_in(browser, clock, enrolled_staff, role)
    number = world.first.number
    for url in _pages(world):
        answer = browser.get(url)
        if f"/immatriculations/{number}" in url:  # a file: the reason first
            assert answer.status_code == 302, url
            assert answer.headers["Location"].startswith(
                f"/agents/motif?dossier=registration:{number}&suite="), url
        else:
            assert answer.status_code == 200, url
    home = browser.get("/agents/").get_data(as_text=True)
    assert "consulter les dossiers d&#39;immatriculation" in home


def test_the_role_is_given_on_the_command_line(runner):
    result = runner.invoke(args=["staff", "create", "immat@example.fr", "--role",
                                 "registration"])
    assert result.exit_code == 0, result.output
    assert "(registration)" in result.output


def test_search_lists_files_and_records_what_it_showed(browser, clock, session,
                                                       enrolled_staff, world):
    sign_in(browser, clock, enrolled_staff, "registration")
    for q, expected in [(world.first.number.lower(), {world.first.number}),
                        ("wvwzzz1jzxw000001", {world.second.number}),
                        ("gh 456 jk", {world.second.number}),
                        ("petit", {world.second.number}),
                        ("lilas", {world.first.number, world.second.number}),
                        ("HAB-69-0001", {world.first.number, world.second.number}),
                        ("cert-lyon", {world.first.number, world.second.number}),
                        ("personne", set())]:
        page = browser.get(f"/agents/immatriculations?q={q}").get_data(as_text=True)
        shown = {n for n in (world.first.number, world.second.number) if n in page}
        assert shown == expected, q
    page = browser.get("/agents/immatriculations?etat=en_attente_paiement").get_data(
        as_text=True)
    assert world.first.number in page and world.second.number not in page
    rows = session.scalars(select(StaffAccess).where(StaffAccess.action == "search")).all()
    assert {r.file for r in rows} == {f"registration:{world.first.number}",
                                      f"registration:{world.second.number}"}
    # Nothing searched, nothing shown, nothing recorded.
    assert "Résultats" not in browser.get("/agents/immatriculations").get_data(as_text=True)


def test_a_file_is_shown_once_the_reason_is_given_and_the_read_is_recorded(
        browser, clock, session, enrolled_staff, world):
    sign_in(browser, clock, enrolled_staff, "registration")
    url = f"/agents/immatriculations/{world.first.number}"
    motif = browser.get(url).headers["Location"]
    assert browser.submit(motif, REASON).headers["Location"] == url
    page = browser.get(url).get_data(as_text=True)
    assert f"Dossier {world.first.number}" in page
    assert "Camille Martin" in page and "VF1RFA00067123456" in page
    assert "En attente de paiement" in page and "en attente" in page  # not certified yet
    [row] = session.scalars(select(StaffAccess).where(StaffAccess.action == "registration"))
    assert row.file == f"registration:{world.first.number}"
    assert row.reason == "Demande du titulaire : Appel du propriétaire"


def test_an_unknown_file_is_not_found(browser, clock, enrolled_staff, world):
    sign_in(browser, clock, enrolled_staff, "registration")
    url = "/agents/immatriculations/IMNOSUCHFILE"
    browser.submit(browser.get(url).headers["Location"], REASON)
    assert browser.get(url).status_code == 404


def test_the_evidence_bundle_is_certified_and_verifies_offline(
        app, browser, clock, session, enrolled_staff, world, tsa_files):
    sign_in(browser, clock, enrolled_staff, "registration")
    url = f"/agents/immatriculations/{world.first.number}/preuves.zip"
    browser.submit(browser.get(url).headers["Location"], REASON)
    answer = browser.get(url)
    assert answer.status_code == 200
    assert answer.mimetype == "application/zip"
    report = check_bundle(answer.data, [tsa_files.root])
    assert report.ok, report.failures
    page = browser.get(f"/agents/immatriculations/{world.first.number}").get_data(
        as_text=True)
    assert "certifié" in page and "jeton n°" in page
    actions = {r.action for r in session.scalars(select(StaffAccess))}
    assert "bundle" in actions


def _action(browser, world, action, data):
    url = f"/agents/prestataires/{world.garage_provider.id}"
    return browser.submit(f"{url}/{action}", data, page=url)


def test_suspending_a_provider_flags_its_files_and_mails_their_owners(
        browser, clock, session, enrolled_staff, world, send_mail, inbox):
    sign_in(browser, clock, enrolled_staff, "registration")
    answer = _action(browser, world, "suspendre", {
        "suspendre-legal_ground": "negligence", "suspendre-reason": "Contrôle du 12 novembre",
        "suspendre-until": "2027-01-31"})
    assert answer.status_code == 302
    page = browser.get(answer.headers["Location"]).get_data(as_text=True)
    assert "L&#39;habilitation est suspendue." in page
    assert "jusqu'au 31 janvier 2027" in page and "Contrôle du 12 novembre" in page
    assert "dont 2 signalés" in page
    session.expire_all()
    provider = session.get(Provider, world.garage_provider.id)
    assert (provider.status, provider.suspended_until) == ("suspended", date(2027, 1, 31))
    flags = session.scalars(select(Application.provider_flag)).all()
    assert all(f and "suspendue" in f for f in flags)
    mails = session.scalars(select(OutboxMessage).where(
        OutboxMessage.template == "registration_provider")).all()
    assert sorted(m.to_address for m in mails) == ["camille@example.fr",
                                                   "dominique@example.fr"]
    send_mail()
    assert sorted(m["To"] for m in inbox.messages) == ["camille@example.fr",
                                                       "dominique@example.fr"]
    body = inbox.messages[0].get_body(("plain",)).get_content()
    assert "suspendue jusqu'au 31 janvier 2027" in body
    # Flagged to staff: in the search results and on the file's page.
    assert "suspendue" in browser.get("/agents/immatriculations?q=lilas").get_data(
        as_text=True)

    answer = _action(browser, world, "retablir", {
        "retablir-legal_ground": "conditions_met_again", "retablir-reason": "Régularisé"})
    assert answer.status_code == 302
    session.expire_all()
    assert session.scalars(select(Application.provider_flag)).all() == [None, None]


@pytest.mark.parametrize(("action", "data", "message"), [
    ("suspendre", {"suspendre-legal_ground": "negligence", "suspendre-reason": "x"},
     "Indiquez la date de fin de la suspension."),
    ("suspendre", {"suspendre-legal_ground": "negligence", "suspendre-reason": "x",
                   "suspendre-until": "2020-01-01"}, "aujourd&#39;hui ou plus tard"),
    ("retirer", {"retirer-legal_ground": "fraud", "retirer-reason": "  "},
     "Indiquez le motif."),
    ("retirer", {"retirer-legal_ground": "", "retirer-reason": "Fraude avérée"},
     "Choisissez un fondement."),
    ("retirer", {"retirer-legal_ground": "conditions_met_again", "retirer-reason": "x"},
     "N&#39;est pas un choix valide"),
    ("retablir", {"retablir-legal_ground": "sanction_annulled", "retablir-reason": "x"},
     "Impossible : le professionnel est actuellement « actif »"),
])
def test_a_bad_provider_action_is_refused_in_french(browser, clock, session, enrolled_staff,
                                                    world, action, data, message):
    sign_in(browser, clock, enrolled_staff, "registration")
    answer = _action(browser, world, action, data)
    assert answer.status_code == 400
    assert message in answer.get_data(as_text=True)
    session.expire_all()
    assert session.get(Provider, world.garage_provider.id).status == "active"


def test_provider_actions_need_their_csrf_token(browser, clock, enrolled_staff, world):
    sign_in(browser, clock, enrolled_staff, "registration")
    answer = browser.client.post(f"/agents/prestataires/{world.garage_provider.id}/retirer",
                                 data={"retirer-legal_ground": "fraud",
                                       "retirer-reason": "Fraude"})
    assert answer.status_code == 400


def test_the_register_lists_providers_with_their_late_files(browser, clock, session,
                                                            enrolled_staff, world):
    world.garage_provider.guarantee_expires_on = date(2026, 12, 15)
    world.file(mandate_signed_at="2026-10-01T10:00:00Z")  # not transmitted, delay run out
    session.commit()
    sign_in(browser, clock, enrolled_staff, "registration")
    page = browser.get("/agents/prestataires").get_data(as_text=True)
    assert "Garage des Lilas" in page and "Auto Express" in page
    assert "HAB-69-0001" in page and "expire bientôt" in page
    page = browser.get(f"/agents/prestataires/{world.garage_provider.id}").get_data(
        as_text=True)
    assert "Dossiers transmis hors délai" in page and "pas encore" in page
    assert browser.get("/agents/prestataires/999999").status_code == 404


def test_the_dashboard_shows_every_table_beside_its_chart(browser, clock, enrolled_staff,
                                                          world):
    clock.advance(timedelta(days=40))
    sign_in(browser, clock, enrolled_staff, "registration")
    page = browser.get("/agents/immatriculations/tableau-de-bord").get_data(as_text=True)
    for title in ("Dossiers en cours par centre et par statut", "Âge des dossiers en cours",
                  "Dépôts et dossiers terminés", "Temps passé par étape",
                  "Dossiers en cours les plus anciens",
                  "Dossiers sans événement depuis 30 jours : ",
                  "Retards de transmission par professionnel"):
        assert title in page, title
    assert page.count('role="img"') == 5 and page.count("<title id=") == 5
    assert world.first.number in page
    page = browser.get("/agents/immatriculations/tableau-de-bord?jours=60").get_data(
        as_text=True)
    assert "depuis 60 jours" in page
    paris = world.paris.id  # an organisation id: no centre has it unless by chance
    assert browser.get(f"/agents/immatriculations/tableau-de-bord?centre={paris}"
                       ).status_code == 200


def test_each_dashboard_table_exports_as_csv(browser, clock, enrolled_staff, world):
    sign_in(browser, clock, enrolled_staff, "registration")
    answer = browser.get("/agents/immatriculations/tableau-de-bord.csv?table=centres")
    assert answer.mimetype == "text/csv"
    assert "immatriculations-centres.csv" in answer.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff")),
                           delimiter=";"))
    assert rows[0][:2] == ["Centre", "En cours"]
    assert rows[1][:2] == ["CERT-LYON", "2"]
    for name in ("ages", "semaines", "delais", "anciens", "inactifs", "retards"):
        assert browser.get(f"/agents/immatriculations/tableau-de-bord.csv?table={name}"
                           ).status_code == 200, name
    oldest = browser.get("/agents/immatriculations/tableau-de-bord.csv?table=anciens"
                         ).get_data(as_text=True)
    assert oldest.lstrip("\ufeff").startswith("Dossier;Centre;Statut;Déposé le")
    assert world.first.number in oldest
    assert browser.get("/agents/immatriculations/tableau-de-bord.csv?table=x"
                       ).status_code == 404
