"""The owner's tracking page and the holder's list, through the Flask test client."""

from __future__ import annotations

from datetime import timedelta

from notify.registrations import operations as reg

BASE = "https://notify.test"


def _filed(app, session, world, **overrides):
    with app.app_context():
        filed = world.file(**overrides)
        reg.submit(session, world.garage_actor, filed.application.number,
                   now=filed.application.filed_at + timedelta(hours=3), base_url=BASE)
    session.commit()
    return filed


def test_right_code_shows_the_file_without_its_number_in_the_address(
        app, browser, session, registration_world):
    filed = _filed(app, session, registration_world)
    number = filed.application.number
    response = browser.submit("/immatriculation/suivi",
                              {"number": number, "code": filed.tracking_code})
    assert response.status_code == 302
    assert response.headers["Location"] == "/immatriculation/suivi/dossier"
    page = browser.get("/immatriculation/suivi/dossier").get_data(as_text=True)
    assert f"Dossier {number}" in page
    assert "En attente de paiement" in page
    assert "Ce qui est attendu de vous" in page
    assert "CERT de Lyon" in page and "Garage des Lilas" in page
    assert "demande enregistrée" in page and "horodatage en cours" in page
    assert "3 heures" in page  # time spent « à compléter »

    # Opting out of the e-mails for this file.
    response = browser.submit("/immatriculation/suivi/courriels", {},
                              page="/immatriculation/suivi/dossier")
    assert response.status_code == 302
    session.refresh(filed.application)
    assert filed.application.owner_mail is False

    browser.submit("/immatriculation/suivi/fin", {}, page="/immatriculation/suivi/dossier")
    assert browser.get("/immatriculation/suivi/dossier").status_code == 302


def test_wrong_code_is_refused_and_guessing_is_throttled(app, browser, session,
                                                         registration_world):
    filed = _filed(app, session, registration_world)
    number = filed.application.number
    response = browser.submit("/immatriculation/suivi",
                              {"number": number, "code": "AAAA-BBBB-CCCC-DDDD"})
    assert response.status_code == 200
    assert "Numéro de dossier ou code de suivi incorrect." in response.get_data(as_text=True)
    assert browser.get("/immatriculation/suivi/dossier").status_code == 302
    for _ in range(4):  # five failures per number (login_max_failures_per_account)
        browser.submit("/immatriculation/suivi", {"number": number, "code": "WRONG"})
    response = browser.submit("/immatriculation/suivi",
                              {"number": number, "code": filed.tracking_code})
    assert response.status_code == 429
    assert "Trop de tentatives" in response.get_data(as_text=True)


def test_the_form_needs_its_csrf_token_and_both_fields(client, browser):
    response = client.post("/immatriculation/suivi", data={"number": "IM", "code": "X"})
    assert response.status_code == 400
    page = browser.submit("/immatriculation/suivi", {"number": "", "code": ""})
    assert "Ce champ est obligatoire." in page.get_data(as_text=True)
    assert client.post("/immatriculation/suivi/courriels").status_code == 400


def test_the_mail_preference_needs_a_tracked_file(browser):
    response = browser.submit("/immatriculation/suivi/courriels", {},
                              page="/immatriculation/suivi")
    assert response.status_code == 302
    assert response.headers["Location"] == "/immatriculation/suivi"


def test_the_holder_lists_his_files_and_only_opens_his_own(
        app, browser, session, open_account, registration_world):
    open_account(email="titulaire@example.fr")
    mine = _filed(app, session, registration_world, email="titulaire@example.fr")
    theirs = _filed(app, session, registration_world, email="autre@example.fr")
    assert browser.get("/compte/immatriculations").status_code == 302  # anonymous
    assert browser.get(f"/compte/immatriculations/{mine.application.number}").status_code \
        == 302
    browser.login("titulaire@example.fr")
    page = browser.get("/compte/immatriculations").get_data(as_text=True)
    assert mine.application.number in page and theirs.application.number not in page
    assert "Action attendue" in page
    response = browser.get(f"/compte/immatriculations/{mine.application.number}")
    assert response.status_code == 200
    assert "Historique daté" in response.get_data(as_text=True)
    assert browser.get(f"/compte/immatriculations/{theirs.application.number}").status_code \
        == 404
    assert "Mes démarches d'immatriculation" in browser.get("/compte").get_data(as_text=True)
