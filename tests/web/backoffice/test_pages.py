"""The back office's other pages: the access journal (admins), holders' files, the policies
in force, the staff home's links, and the holder's own "qui a consulté mon dossier"."""

from __future__ import annotations

import pytest

from notify.cli import policies as policies_command
from notify.evidence.models import Event
from notify.legal.policies import in_force
from tests.conftest import current_code, staff_login
from tests.deposits import withdrawal
from tests.web.backoffice.conftest import accesses, text_of


def _reason(browser, file, reason="litigation", detail="Requête TA n° 1"):
    answer = browser.submit(f"/agents/motif?dossier={file}&suite=/agents/",
                            {"reason": reason, "detail": detail})
    assert answer.status_code == 302


# --- the access journal ---------------------------------------------------------------


def test_the_admin_sees_who_read_what_and_why_with_its_evidence(
        app, browser, session, sign_in, holder_with_decision, enrolled_staff, clock):
    holder = holder_with_decision("D-1")
    other = holder_with_decision("D-2", surname="AUTRE")
    sign_in("legal")
    browser.get(f"/agents/decisions?permis={holder.licence_number}")
    _reason(browser, f"holder:{holder.id}")
    assert browser.get(f"/agents/titulaires/{holder.id}").status_code == 200
    browser.get(f"/agents/decisions?permis={other.licence_number}")
    with browser.client.session_transaction() as stored:
        stored.clear()
    email, secret, _ = enrolled_staff(email="admin@example.fr", role="admin")
    assert staff_login(browser, email, current_code(secret, clock)).status_code == 302

    page = browser.get("/agents/journal")
    assert page.status_code == 200
    text = text_of(page)
    assert text.count("legal@example.fr (juriste") == 3
    assert "Recours contentieux ou gracieux : Requête TA n° 1" in text
    row = accesses(session)[0]
    event = session.get(Event, row.event_id)
    assert event.hash[:16] in page.get_data(as_text=True)

    def count(query):
        return text_of(browser.get("/agents/journal?" + query)).count("legal@example.fr (")

    assert count(f"dossier={holder.licence_number}") == 2
    assert count(f"dossier=holder:{other.id}") == 1
    assert count("action=holder") == 1
    assert count("agent=LEGAL@example.fr") == 3
    assert count("agent=admin@example.fr") == 0
    assert count("du=21/11/2026") == 0
    assert count("du=20/11/2026&au=20/11/2026") == 3
    assert "choix valide" in text_of(browser.get("/agents/journal?action=bogus"))


@pytest.mark.parametrize("url", ["/agents/journal", "/agents/journal?action=search"])
def test_the_journal_is_refused_to_legal_staff_holders_and_anonymous(
        browser, sign_in, open_account, url):
    assert browser.get(url).headers["Location"].startswith("/agents/connexion?next=")
    open_account()
    browser.login("titulaire@example.fr")
    assert browser.get(url).status_code == 403
    sign_in("legal")
    assert browser.get(url).status_code == 403


# --- holders' files -------------------------------------------------------------------


def test_a_holder_is_found_then_his_file_is_opened_with_a_reason(
        browser, session, clock, sign_in, open_account, on_file):
    account = open_account(surname="Lefèvre")
    holder = account.holder
    on_file(withdrawal("D-9", holder.licence_number))
    sign_in()
    found = browser.get("/agents/titulaires?q=lefev")
    assert f'href="/agents/titulaires/{holder.id}"' in found.get_data(as_text=True)
    assert browser.get(f"/agents/titulaires?q={holder.licence_number}").status_code == 200
    assert [(a.action, a.file) for a in accesses(session)] == [
        ("search", f"holder:{holder.id}")] * 2

    asked = browser.get(f"/agents/titulaires/{holder.id}")
    assert asked.status_code == 302
    assert asked.headers["Location"].startswith(f"/agents/motif?dossier=holder:{holder.id}")
    _reason(browser, f"holder:{holder.id}", "holder_request", "courrier du 3 novembre")
    page = browser.get(f"/agents/titulaires/{holder.id}")
    text = text_of(page)
    for label in ("conditions d'utilisation acceptées", "adresse électronique vérifiée",
                  "ouverture du compte"):
        assert label in text
    assert "horodatage en cours" in text  # not certified yet
    assert 'href="/agents/decisions/D-9"' in page.get_data(as_text=True)
    last = accesses(session)[-1]
    assert (last.action, last.file, last.reason) == (
        "holder", f"holder:{holder.id}", "Demande du titulaire : courrier du 3 novembre")


def test_holder_pages_refusals(browser, sign_in, open_account, make_holder):
    holder = make_holder()
    urls = ["/agents/titulaires?q=TESTEUR", f"/agents/titulaires/{holder.id}"]
    for url in urls:
        assert browser.get(url).headers["Location"].startswith("/agents/connexion?next=")
    open_account(email="autre@example.fr")
    browser.login("autre@example.fr")
    for url in urls:
        assert browser.get(url).status_code == 403
    sign_in()
    assert browser.get("/agents/titulaires/999999").status_code == 404
    assert "De 2 à 200 caractères." in text_of(browser.get("/agents/titulaires?q=a"))


# --- the policies in force ------------------------------------------------------------


def test_the_policies_page_says_what_the_command_says(app, browser, sign_in):
    sign_in()
    page = text_of(browser.get("/agents/politiques"))
    result = app.test_cli_runner().invoke(policies_command)
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    with app.app_context():
        values, applied = in_force(app.extensions["notify"].settings)
    for item in values + applied:
        for part in (item.label, item.value, item.basis):
            assert part in page
            assert part in output
    assert "P1Y" in page and "NOTIFY_ACCESS_LOG_RETENTION" in page


def test_the_policies_page_is_for_staff(browser, open_account):
    assert browser.get("/agents/politiques").headers["Location"].startswith("/agents/connexion")
    open_account()
    browser.login("titulaire@example.fr")
    assert browser.get("/agents/politiques").status_code == 403


# --- the staff home -------------------------------------------------------------------


@pytest.mark.parametrize(("role", "journal"), [("legal", False), ("admin", True)])
def test_the_home_links_to_what_the_role_allows(browser, sign_in, role, journal):
    sign_in(role)
    body = browser.get("/agents/").get_data(as_text=True)
    for href in ('href="/agents/decisions"', 'href="/agents/titulaires"',
                 'href="/agents/politiques"'):
        assert href in body
    assert ('href="/agents/journal"' in body) is journal


# --- the holder's side ----------------------------------------------------------------


def test_the_holder_sees_who_looked_at_his_file_and_only_his(
        browser, session, clock, sign_in, open_account, make_holder, on_file):
    account = open_account(email="titulaire@example.fr")
    other = open_account(email="autre@example.fr", surname="AUTRE")
    on_file(withdrawal("D-1", account.holder.licence_number),
            withdrawal("D-2", other.holder.licence_number))
    sign_in()
    browser.get(f"/agents/decisions?permis={account.holder.licence_number}")
    _reason(browser, f"holder:{account.holder.id}", "judicial_request", "PV 2026/123")
    browser.get(f"/agents/titulaires/{account.holder.id}")
    browser.get(f"/agents/decisions?permis={other.holder.licence_number}")
    with browser.client.session_transaction() as stored:
        stored.clear()

    browser.login("titulaire@example.fr")
    assert 'href="/compte/acces"' in browser.get("/compte").get_data(as_text=True)
    page = browser.get("/compte/acces")
    assert page.status_code == 200
    text = text_of(page)
    assert "Agent du service (juriste) : résultat de recherche, décision D-1" in text
    assert "lecture du compte" in text
    assert "Réquisition judiciaire : PV 2026/123" in text
    assert "legal@example.fr" not in text  # the service, not the member's name
    assert "D-2" not in text
    assert "1 an" in text

    with browser.client.session_transaction() as stored:
        stored.clear()
    browser.login("autre@example.fr")
    text = text_of(browser.get("/compte/acces"))
    assert "D-2" in text and "D-1" not in text and "lecture du compte" not in text


def test_who_looked_at_my_file_is_for_the_holder_only(browser, sign_in):
    assert browser.get("/compte/acces").headers["Location"].startswith("/connexion?next=")
    sign_in()
    assert browser.get("/compte/acces").status_code == 403
