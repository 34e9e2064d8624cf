"""The holder's decision pages through the test client: access, consultation, letter."""

from __future__ import annotations

import hashlib
import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from notify.accounts.models import AccountState
from notify.decisions.models import Decision
from notify.evidence.log import events_of
from tests.deposits import restoration, withdrawal
from tests.jobs import run_jobs

URL = "/api/v1/decisions"
PAGES = ("/decisions/{ref}", "/decisions/{ref}/courrier.pdf")


def run(app, *names):
    run_jobs(app, *names)


@pytest.fixture
def deposited(app, client, auth, session):
    """Deposit ``items`` through the API, then certify and make them available."""

    def deposit(*items):
        response = client.post(URL, json=list(items), headers=auth)
        assert {r["channel"] for r in response.get_json()["results"]} == {"online"}
        run(app, "certify_evidence", "make_decisions_available")
        session.expire_all()
        return [session.scalar(select(Decision).where(Decision.reference == item["reference"]))
                for item in items]

    return deposit


def text_of(response):
    """The page's text, tags removed and white space collapsed."""
    text = re.sub(r"<[^>]+>", "", response.get_data(as_text=True))
    return " ".join(html.unescape(text).split())


def tags(session, decision):
    return [e.tag for e in events_of(session, decision.subject)]


@pytest.mark.parametrize("path", ["/decisions", *PAGES])
def test_anonymous_is_sent_to_login_and_nothing_is_recorded(client, open_account, deposited,
                                                            session, path):
    account = open_account()
    [decision] = deposited(withdrawal("D-1", account.holder.licence_number))
    response = client.get(path.format(ref="D-1"))
    assert response.status_code == 302
    assert "/connexion" in response.headers["Location"]
    assert tags(session, decision) == ["deposited", "made_available"]


@pytest.mark.parametrize("path", PAGES)
def test_another_holders_decision_is_not_found(browser, open_account, deposited, session,
                                               path):
    owner = open_account()
    [decision] = deposited(withdrawal("D-1", owner.holder.licence_number))
    open_account(email="autre@example.fr")
    browser.login("autre@example.fr")
    theirs = browser.get(path.format(ref="D-1"))
    missing = browser.get(path.format(ref="D-404"))
    assert theirs.status_code == missing.status_code == 404
    assert "D-1" not in theirs.get_data(as_text=True)
    assert "Cette décision n'existe pas" in text_of(theirs)
    assert tags(session, decision) == ["deposited", "made_available"]
    assert "D-1" not in browser.get("/decisions").get_data(as_text=True)


def test_list_marks_new_decisions_and_is_not_a_consultation(browser, open_account, deposited,
                                                            session):
    account = open_account()
    [decision] = deposited(withdrawal("D-1", account.holder.licence_number))
    browser.login(account.email)
    page = text_of(browser.get("/decisions"))
    assert "Retrait de points : décision du 20 novembre 2026" in page
    assert "Nouvelle" in page
    assert "réputée notifiée le 5 décembre 2026" in page
    assert tags(session, decision) == ["deposited", "made_available"]


def test_decision_page_shows_the_letter_and_notifies(app, browser, open_account, deposited,
                                                     session, clock):
    account = open_account()
    [decision] = deposited(withdrawal("D-1", account.holder.licence_number))
    browser.login(account.email)
    clock.set(datetime(2026, 12, 3, 13, 2, 11, tzinfo=UTC))
    response = browser.get("/decisions/D-1")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = text_of(response)
    for words in ("Retrait de points : décision du 20 novembre 2026",
                  "retire 2 points",
                  "Excès de vitesse inférieur à 20 km/h (contravention de 3e classe)",
                  "Lyon (69)",
                  "Solde de votre permis après cette décision : 10 points.",
                  "Voies et délais de recours", "tribunal administratif",
                  "R. 421-5",
                  "Notifiée le 3 décembre 2026 (première consultation, horodatage en cours)",
                  "jusqu'au 4 février 2027 inclus"):
        assert words in page, words
    session.expire_all()
    assert decision.notification_basis == "consultation"
    assert tags(session, decision)[-1] == "first_consultation"

    clock.advance(timedelta(seconds=2))
    run(app, "certify_evidence")
    page = text_of(browser.get("/decisions/D-1"))
    assert ("Notifiée le 3 décembre 2026 (première consultation, horodatée le "
            "3 décembre 2026 à 14:02:13 (heure de Paris))") in page
    assert "Nouvelle" not in text_of(browser.get("/decisions"))


def test_pdf_is_the_deposited_letter_and_a_consultation(browser, open_account, deposited,
                                                        session):
    account = open_account()
    [decision] = deposited(withdrawal("D-1", account.holder.licence_number))
    browser.login(account.email)
    response = browser.get("/decisions/D-1/courrier.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert hashlib.sha256(response.data).hexdigest() == decision.letter_sha256
    assert browser.get("/decisions/D-1/courrier.pdf").data == response.data
    session.expire_all()
    assert tags(session, decision)[-1] == "first_consultation"
    assert decision.state == "notified"


def test_account_page_shows_balance_and_history(browser, open_account, deposited):
    account = open_account()
    licence = account.holder.licence_number
    deposited(withdrawal("D-1", licence, decided_on="2026-11-10"),
              restoration("D-2", licence, decided_on="2026-11-18"))
    browser.login(account.email)
    page = text_of(browser.get("/compte"))
    assert "Solde de votre permis : 12 points" in page
    assert "décision du 18 novembre 2026" in page
    assert "Retrait de points : décision du 10 novembre 2026" in page
    assert "Reconstitution de points : décision du 18 novembre 2026" in page


def test_closed_account_still_reads_its_decisions(browser, open_account, deposited, session,
                                                  clock):
    account = open_account()
    deposited(withdrawal("D-1", account.holder.licence_number))
    account.state = AccountState.CLOSED
    account.closed_at = clock.now()
    session.commit()
    browser.login(account.email)
    response = browser.get("/decisions/D-1")
    assert response.status_code == 200
    assert "Notifiée le 20 novembre 2026" in text_of(response)


def test_purged_decision_shows_a_notice(app, browser, open_account, deposited, session,
                                        clock):
    account = open_account()
    deposited(withdrawal("D-1", account.holder.licence_number))
    browser.login(account.email)
    browser.get("/decisions/D-1")
    clock.set(datetime(2032, 11, 21, tzinfo=UTC))
    run(app, "purge_decisions")
    browser.login(account.email)
    page = text_of(browser.get("/decisions/D-1"))
    assert "Contenu supprimé" in page and "6 ans" in page
    assert "Excès de vitesse" not in page
    assert "Notifiée le 20 novembre 2026" in page
    assert browser.get("/decisions/D-1/courrier.pdf").status_code == 410
