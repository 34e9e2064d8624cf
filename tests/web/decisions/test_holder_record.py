"""The holder's record of points: every decision whatever its channel, the balance of the
latest one, the restorations to expect, and the record as a PDF; none of it is a
consultation."""

from __future__ import annotations

import pytest

from tests.deposits import withdrawal
from tests.web.decisions.test_holder_pages import tags, text_of


@pytest.fixture
def record(client, auth, open_account, app, session):
    """An online withdrawal made available, then a later one by registered post
    (probationary licence, 3 points: R. 223-4 I) that brings the balance to 3."""
    from tests.web.decisions.test_holder_pages import run

    account = open_account()
    number = account.holder.licence_number
    online = withdrawal("D-ONLINE", number, points=2, balance_after=4, probationary=True,
                        decided_on="2026-11-02")
    postal = withdrawal("D-POST", number, points=3, balance_after=1, probationary=True,
                        decided_on="2026-11-18",
                        offence={"date": "2026-10-20", "place": "Lyon (69)",
                                 "description": "Usage du téléphone tenu en main",
                                 "class": "C4"})
    results = client.post("/api/v1/decisions", json=[online, postal], headers=auth)
    assert [r["channel"] for r in results.get_json()["results"]] == [
        "online", "postal_registered"]
    run(app, "certify_evidence", "make_decisions_available")
    session.expire_all()
    return account


def test_account_shows_every_channel_the_latest_balance_and_forecasts(browser, record,
                                                                      session):
    browser.login("titulaire@example.fr")
    page = text_of(browser.get("/compte"))
    assert "Solde de votre permis : 1 point " in page
    assert "qu'elle vous ait été envoyée en ligne ou par courrier" in page
    assert "Par lettre recommandée avec avis de réception : en cours d'envoi" in page
    assert ("Déposée sur votre compte personnel. Mise à disposition le 20 novembre 2026 ; à "
            "défaut de consultation, elle sera réputée notifiée le 5 décembre 2026 (fin du "
            "délai de quinze jours : à ouvrir avant le 5 décembre 2026 à 24:00 (heure de "
            "Paris))") in page
    # Three years without a new offence (one was a 4th-class contravention), counted
    # from the latest withdrawal's decision; and its condition.
    assert ("Le 18 novembre 2029 : Votre solde revient au nombre maximal de points de votre "
            "permis probatoire.") in page
    assert "art. L. 223-6, 2e alinéa" in page
    assert ("À condition de ne commettre aucune nouvelle infraction entraînant un retrait "
            "de points avant le 18 novembre 2029") in page
    listed = text_of(browser.get("/decisions"))
    assert "D-POST" in listed and "D-ONLINE" in listed
    for decision in ("D-ONLINE", "D-POST"):
        subject = f"decision:{decision}"
        assert "first_consultation" not in tags(session, type("D", (), {"subject": subject}))


@pytest.mark.parametrize(("early", "gains"), [
    (False, ["Le 15 janvier 2028 : 2e anniversaire de votre permis probatoire : 2 points de "
             "plus.", "Le 15 janvier 2029 : 3e anniversaire de votre permis probatoire : 2 "
                      "points de plus."]),
    (True, ["Le 15 janvier 2028 : 2e anniversaire de votre permis probatoire : 3 points de "
            "plus."]),
])
def test_account_dates_the_probationary_gains_from_the_licence_issue_date(
        browser, record, session, poppler, early, gains):
    """The register's issue date (15 January 2026) dates the yearly gains (L. 223-1,
    R. 223-1); the first anniversary brings nothing: an offence (20 October 2026) fell in
    that year. After early accompanied driving: 3 points a year, over two years. The
    record PDF says the same."""
    from datetime import date

    browser.login("titulaire@example.fr")
    assert "anniversaire" not in text_of(browser.get("/compte"))
    record.holder.licence_issued_on = date(2026, 1, 15)
    record.holder.early_accompanied_driving = early
    session.flush()
    page = text_of(browser.get("/compte"))
    assert [line for line in gains if line in page] == gains
    assert page.count("anniversaire de votre permis probatoire") == len(gains)
    assert "1er anniversaire" not in page and "15 janvier 2027" not in page
    assert "art. L. 223-1 et R. 223-1 du code de la route" in page
    assert ("À condition de ne commettre aucune nouvelle infraction entraînant un retrait "
            "de points avant le 15 janvier 2028") in page
    pdf = browser.get("/compte/releve.pdf").data
    text = " ".join(poppler("pdftotext", pdf, "-enc", "UTF-8").split())
    assert [line for line in gains if line in text] == gains


def test_record_pdf_reads_back_and_is_not_a_consultation(browser, record, session, poppler):
    browser.login("titulaire@example.fr")
    response = browser.get("/compte/releve.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    text = " ".join(poppler("pdftotext", response.data, "-enc", "UTF-8").split())
    print(text)
    assert "Relevé de mes décisions de points" in text
    assert f"permis n° {record.holder.licence_number}" in text
    assert "1 point, d'après la dernière décision (décision du 18 novembre 2026)" in text
    assert "Référence D-POST" in text.replace("référence", "Référence")
    assert "Par lettre recommandée avec avis de réception" in text
    assert "ne vaut notification d'aucune décision" in text
    assert "avant le 18 novembre 2029" in text
    assert "first_consultation" not in tags(
        session, type("D", (), {"subject": "decision:D-ONLINE"}))


@pytest.mark.parametrize("path", ["/compte/releve.pdf"])
def test_record_needs_the_holders_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/connexion" in response.headers["Location"]
