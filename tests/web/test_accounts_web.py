"""The holder's account in the browser's shoes (Flask test client, real SMTP)."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from notify.accounts.models import Account, AccountState
from notify.evidence.log import events_of

PASSWORD = "correct horse battery staple"


def link_in(message, path):
    text = message.get_body(("plain",)).get_content()
    return re.search(rf"https://notify\.test({path}/\S+)", text).group(1)


def test_register_verify_login_change_email_close_and_withdraw(
        browser, session, clock, make_holder, activation_code, send_mail, inbox):
    holder = make_holder(birth_date=__import__("datetime").date(1979, 3, 8))
    code = activation_code(holder)
    session.commit()

    # Step 1: identity.
    response = browser.submit("/inscription", {
        "licence_number": holder.licence_number, "birth_date": "1979-03-08",
        "activation_code": code})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/inscription/compte")
    assert holder.licence_number not in response.headers["Location"]

    # Step 2: address, password, both conditions.
    response = browser.submit("/inscription/compte", {
        "email": "camille@example.fr", "password": PASSWORD, "password_confirm": PASSWORD,
        "accept_conditions": "y", "attest_deadlines": "y"})
    assert response.headers["Location"].endswith("/inscription/verification-envoyee")

    # Not open until verified.
    response = browser.login("camille@example.fr")
    assert "pas encore ouvert" in response.get_data(as_text=True)

    send_mail()
    [mail] = inbox.messages
    assert mail["To"] == "camille@example.fr"
    assert holder.surname not in mail["Subject"]
    link = link_in(mail, "/compte/verification")
    assert "Confirmer mon adresse" in browser.get(link).get_data(as_text=True)
    response = browser.submit(link, page=link, follow_redirects=True)
    assert "votre compte est ouvert" in response.get_data(as_text=True)

    # Login.
    response = browser.login("camille@example.fr")
    assert response.status_code == 302
    page = browser.get("/compte").get_data(as_text=True)
    assert "camille@example.fr" in page
    assert "cgu-2026-11" in page and "delais-2026-11" in page

    # E-mail change (fresh login: no re-authentication needed yet).
    inbox.messages.clear()
    response = browser.submit("/compte/courriel", {"new_email": "camille.new@example.fr"})
    assert response.status_code == 302
    send_mail()
    recipients = sorted(m["To"] for m in inbox.messages)
    assert recipients == ["camille.new@example.fr", "camille@example.fr"]
    verify = next(m for m in inbox.messages if m["To"] == "camille.new@example.fr")
    link = link_in(verify, "/compte/verification")
    browser.submit(link, page=link)
    assert "camille.new@example.fr" in browser.get("/compte").get_data(as_text=True)

    # Closure: needs the explicit confirmation, shows its effective date, can be withdrawn.
    response = browser.submit("/compte/fermeture", {})
    assert "Cochez la case" in response.get_data(as_text=True)
    response = browser.submit("/compte/fermeture", {"confirm": "y"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Votre compte sera fermé le" in page
    assert "20 décembre 2026" in page  # 20 November 2026 + 1 month, Paris time
    response = browser.submit("/compte/fermeture/annulation", page="/compte",
                              follow_redirects=True)
    assert "demande de fermeture est retirée" in response.get_data(as_text=True)

    account = session.scalar(select(Account).where(Account.email == "camille.new@example.fr"))
    assert [e.tag for e in events_of(session, account.subject)] == [
        "conditions_accepted", "attestation_accepted", "email_verified", "account_opened",
        "email_verified", "email_changed", "closure_requested", "closure_withdrawn"]
    assert account.state == AccountState.ACTIVE


def test_wrong_activation_code_is_refused_with_a_clear_message(browser, session, make_holder,
                                                               activation_code):
    holder = make_holder()
    activation_code(holder)
    session.commit()
    response = browser.submit("/inscription", {
        "licence_number": holder.licence_number, "birth_date": "1980-05-17",
        "activation_code": "AAAA-BBBB-CCCC-DDDD"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "ne permettent pas d&#39;ouvrir un compte" in page
    assert 'role="alert"' in page


def test_registration_form_errors_are_summarised_and_linked(browser, session, make_holder,
                                                            activation_code):
    holder = make_holder()
    code = activation_code(holder)
    session.commit()
    browser.submit("/inscription", {"licence_number": holder.licence_number,
                                    "birth_date": "1980-05-17", "activation_code": code})
    response = browser.submit("/inscription/compte", {
        "email": "x@example.fr", "password": "short", "password_confirm": "other"})
    page = response.get_data(as_text=True)
    assert 'href="#password"' in page
    assert 'href="#accept_conditions"' in page
    assert 'aria-describedby="password-hint password-messages"' in page
    assert 'aria-invalid="true"' in page


def _register(browser, session, make_holder, activation_code, email, birth_date="1980-05-17"):
    holder = make_holder()
    code = activation_code(holder)
    session.commit()
    browser.submit("/inscription", {"licence_number": holder.licence_number,
                                    "birth_date": birth_date, "activation_code": code})
    return browser.submit("/inscription/compte", {
        "email": email, "password": PASSWORD, "password_confirm": PASSWORD,
        "accept_conditions": "y", "attest_deadlines": "y"})


def test_expired_verification_link_says_what_to_do_and_login_sends_a_new_one(
        browser, session, clock, make_holder, activation_code, send_mail, inbox):
    _register(browser, session, make_holder, activation_code, "late@example.fr")
    send_mail()
    link = link_in(inbox.messages[0], "/compte/verification")
    clock.advance(timedelta(hours=49))
    for response in (browser.get(link), browser.submit(link, page="/connexion")):
        page = response.get_data(as_text=True)
        assert response.status_code == 410
        assert "Ce lien a expiré" in page
        assert "valables 48 heures" in page
        assert "un nouveau lien de confirmation vous sera envoyé" in page

    # As the page says: signing in sends a new link, once in ten minutes at most.
    inbox.messages.clear()
    page = browser.login("late@example.fr").get_data(as_text=True)
    assert "lien que nous venons de vous envoyer (valable 48 heures)" in page
    page = browser.login("late@example.fr").get_data(as_text=True)
    assert "avec le lien envoyé il y a quelques minutes" in page
    send_mail()
    [mail] = inbox.messages
    fresh = link_in(mail, "/compte/verification")
    response = browser.submit(fresh, page=fresh, follow_redirects=True)
    assert "votre compte est ouvert" in response.get_data(as_text=True)


def test_a_link_used_twice_explains_itself(browser, session, make_holder, activation_code,
                                           send_mail, inbox):
    _register(browser, session, make_holder, activation_code, "twice@example.fr")
    send_mail()
    link = link_in(inbox.messages[0], "/compte/verification")
    browser.submit(link, page=link)
    response = browser.get(link)
    page = response.get_data(as_text=True)
    assert response.status_code == 410
    assert "Ce lien a déjà été utilisé" in page
    assert "votre compte est ouvert" in page
    assert 'href="/connexion"' in page


def test_an_unknown_link_is_404_with_advice(browser):
    response = browser.get("/mot-de-passe/nouveau/not-a-token")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Ce lien n&#39;est pas valide" in page
    assert "Demander un nouveau lien" in page


def test_birth_date_as_the_hint_says_it(browser, session, make_holder, activation_code):
    response = _register(browser, session, make_holder, activation_code, "jj@example.fr",
                         birth_date="17/05/1980")
    assert response.headers["Location"].endswith("/inscription/verification-envoyee")


def test_form_messages_are_french(browser, session, make_holder, activation_code):
    holder = make_holder()
    session.commit()
    page = browser.submit("/inscription", {
        "licence_number": "X" * 21, "birth_date": "1980-17-05",
        "activation_code": "A" * 33}).get_data(as_text=True)
    assert "Le numéro de permis compte au plus 20 caractères." in page
    assert "Le code d&#39;activation compte 16 lettres ou chiffres" in page
    assert "Not a valid" not in page and "Field cannot" not in page
    assert holder.licence_number not in page


def test_a_too_long_password_is_told_so(browser, session, make_holder, activation_code):
    holder = make_holder()
    code = activation_code(holder)
    session.commit()
    browser.submit("/inscription", {"licence_number": holder.licence_number,
                                    "birth_date": "1980-05-17", "activation_code": code})
    long = "x" * 257
    page = browser.submit("/inscription/compte", {
        "email": "long@example.fr", "password": long, "password_confirm": long,
        "accept_conditions": "y", "attest_deadlines": "y"}).get_data(as_text=True)
    assert "au plus 256 caractères" in page
    assert "au moins 12" not in page


def test_wrong_password_then_throttled(app, browser, open_account):
    open_account(email="cible@example.fr")
    limit = app.extensions["notify"].settings.login_max_failures_per_account
    for _ in range(limit):
        response = browser.login("cible@example.fr", "not the password")
        assert "Adresse électronique ou mot de passe incorrect" in response.get_data(as_text=True)
    response = browser.login("cible@example.fr")
    assert response.status_code == 429
    assert "Trop de tentatives" in response.get_data(as_text=True)


def test_sensitive_pages_need_recent_reauthentication(browser, clock, open_account):
    open_account(email="reauth@example.fr")
    browser.login("reauth@example.fr")
    clock.advance(timedelta(minutes=11))
    for path in ("/compte/courriel", "/compte/mot-de-passe", "/compte/fermeture"):
        response = browser.get(path)
        assert response.status_code == 302
        assert "/compte/reauthentification" in response.headers["Location"]
    response = browser.submit("/compte/reauthentification?next=/compte/fermeture",
                              {"password": "wrong password"})
    assert "Mot de passe incorrect" in response.get_data(as_text=True)
    response = browser.submit("/compte/reauthentification?next=/compte/fermeture",
                              {"password": PASSWORD})
    assert response.headers["Location"].endswith("/compte/fermeture")
    assert browser.get("/compte/fermeture").status_code == 200


def test_reauthentication_never_redirects_off_site(browser, open_account):
    open_account(email="next@example.fr")
    browser.login("next@example.fr")
    response = browser.submit("/compte/reauthentification?next=https://evil.example/",
                              {"password": PASSWORD})
    assert response.headers["Location"].endswith("/compte")


@pytest.mark.parametrize("path", ["/compte", "/compte/courriel", "/compte/mot-de-passe",
                                  "/compte/fermeture", "/compte/reauthentification"])
def test_anonymous_is_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/connexion" in response.headers["Location"]


@pytest.mark.parametrize("path", ["/compte/fermeture/annulation", "/deconnexion"])
def test_anonymous_posts_are_refused(browser, path):
    response = browser.submit(path, page="/connexion")
    assert response.status_code == 302
    assert "/connexion" in response.headers["Location"]


def test_post_without_csrf_token_is_refused(client, open_account):
    open_account(email="csrf@example.fr")
    response = client.post("/connexion", data={"email": "csrf@example.fr",
                                               "password": PASSWORD})
    assert response.status_code == 400
    assert "formulaire a expiré" in response.get_data(as_text=True)


def test_a_holder_sees_only_his_own_account(browser, open_account):
    open_account(email="un@example.fr")
    open_account(email="deux@example.fr")
    browser.login("un@example.fr")
    page = browser.get("/compte").get_data(as_text=True)
    assert "un@example.fr" in page and "deux@example.fr" not in page


def test_password_change_logs_out_other_sessions(app, browser, open_account):
    open_account(email="multi@example.fr")
    browser.login("multi@example.fr")
    other = type(browser)(app.test_client())
    other.login("multi@example.fr")
    assert other.get("/compte").status_code == 200
    response = browser.submit("/compte/mot-de-passe", {
        "new_password": "a different passphrase", "new_password_confirm":
        "a different passphrase"})
    assert response.status_code == 302
    assert browser.get("/compte").status_code == 200
    assert other.get("/compte").status_code == 302


def test_logout_ends_the_session(browser, open_account):
    open_account(email="bye@example.fr")
    browser.login("bye@example.fr")
    browser.submit("/deconnexion", page="/compte")
    assert browser.get("/compte").status_code == 302


def test_the_logout_token_serves_its_own_session_only(app, browser, open_account):
    """The layout's logout token is signed once per session: the same on every page of
    the session, refused in another session, and it still logs out its own."""
    open_account(email="jeton@example.fr")
    browser.login("jeton@example.fr")
    token = browser.csrf_of(browser.get("/decisions").get_data(as_text=True))
    assert browser.csrf_of(browser.get("/decisions").get_data(as_text=True)) == token
    other = type(browser)(app.test_client())
    other.login("jeton@example.fr")
    assert browser.csrf_of(other.get("/decisions").get_data(as_text=True)) != token
    assert other.client.post("/deconnexion", data={"csrf_token": token}).status_code == 400
    assert other.get("/decisions").status_code == 200
    assert browser.client.post("/deconnexion", data={"csrf_token": token}).status_code == 302
    assert browser.get("/decisions").status_code == 302
    assert other.get("/decisions").status_code == 302  # logging out ends every session


def test_password_reset_by_email(browser, open_account, send_mail, inbox):
    open_account(email="oubli@example.fr")
    response = browser.submit("/mot-de-passe/oubli", {"email": "oubli@example.fr"})
    assert response.status_code == 302
    send_mail()
    [reset] = [m for m in inbox.messages if m["Subject"].startswith("Réinitialisation")]
    link = link_in(reset, "/mot-de-passe/nouveau")
    response = browser.submit(link, {"new_password": "my new passphrase",
                                     "new_password_confirm": "my new passphrase"})
    assert response.headers["Location"].endswith("/connexion")
    assert browser.login("oubli@example.fr", "my new passphrase").status_code == 302
    assert browser.get(link).status_code == 410  # used: the page says what to do


def test_security_headers(client):
    response = client.get("/connexion")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self' 'nonce-" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers
    secure = client.get("/connexion", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_session_cookie_flags(browser, open_account):
    open_account(email="cookie@example.fr")
    response = browser.login("cookie@example.fr")
    [cookie] = [c for c in response.headers.getlist("Set-Cookie")
                if c.startswith("notify_session=")]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Expires" not in cookie  # no remember-me: a browser-session cookie


def test_error_pages_are_french_html(client):
    response = client.get("/nulle-part")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Page introuvable" in page and '<html lang="fr"' in page


def test_state_brand_only_when_enabled(app, client, db, clock, smtp_server, timestamp_client,
                                       tmp_path):
    assert "République<br>française" not in client.get("/").get_data(as_text=True)
    from notify import create_app

    branded = create_app({"mode": "test", "instance_path": tmp_path / "b", "database": db,
                          "clock": clock, "timestamp_client": timestamp_client,
                          "state_brand": "1"})
    assert "République<br>française" in branded.test_client().get("/").get_data(as_text=True)


def test_behind_a_trusted_proxy_scheme_and_address_come_from_its_headers(
        db, clock, timestamp_client, tmp_path, open_account):
    from notify import create_app

    proxied = create_app({"mode": "test", "instance_path": tmp_path / "p", "database": db,
                          "clock": clock, "timestamp_client": timestamp_client,
                          "trusted_proxies": 1, "login_max_failures_per_address": 3})
    client = proxied.test_client()
    response = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in response.headers
    open_account(email="proxy@example.fr")
    limit = proxied.extensions["notify"].settings.login_max_failures_per_address
    headers = {"X-Forwarded-For": "203.0.113.7"}
    for n in range(limit):
        page = client.get("/connexion").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        client.post("/connexion", headers=headers, data={
            "csrf_token": token, "email": f"nobody{n}@example.fr", "password": "x" * 12})
    page = client.get("/connexion").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    refused = client.post("/connexion", headers=headers, data={
        "csrf_token": token, "email": "proxy@example.fr", "password": PASSWORD})
    assert refused.status_code == 429
    other = client.post("/connexion", headers={"X-Forwarded-For": "198.51.100.9"}, data={
        "csrf_token": token, "email": "proxy@example.fr", "password": PASSWORD})
    assert other.status_code == 302


def test_demo_mail_catcher_pages_exist_in_demo_mode_only(client, db, clock, timestamp_client,
                                                         tmp_path, free_port):
    import smtplib

    from notify import create_app
    from notify.demo.mailcatcher import start_catcher

    assert client.get("/demo/courriels").status_code == 404
    demo = create_app({"mode": "demo", "instance_path": tmp_path / "demo", "database": db,
                       "clock": clock, "timestamp_client": timestamp_client})
    settings = demo.extensions["notify"].settings
    port = free_port()
    catcher = start_catcher(settings.mail_catcher_path, "127.0.0.1", port)
    try:
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            smtp.sendmail("a@notify.test", ["b@example.fr"],
                          b"Subject: Essai du catcher\r\nTo: b@example.fr\r\n\r\nBonjour\r\n")
    finally:
        catcher.stop()
    page = demo.test_client().get("/demo/courriels").get_data(as_text=True)
    assert "Essai du catcher" in page and "Bonjour" in page


def test_internationalised_address_refused_at_input_with_a_clear_message(browser,
                                                                          open_account):
    import html

    from notify.mail.addresses import NEEDS_SMTPUTF8

    open_account(email="zoe@example.fr")
    browser.login("zoe@example.fr")
    response = browser.submit("/compte/courriel", {"new_email": "zoë@exemple.fr"})
    assert response.status_code == 200
    assert NEEDS_SMTPUTF8 in html.unescape(response.get_data(as_text=True))
    response = browser.submit("/compte/courriel", {"new_email": "zoe@"})
    assert "Saisissez une adresse électronique valide" in response.get_data(as_text=True)


def test_internationalised_address_accepted_and_delivered_when_the_relay_offers_smtputf8(
        db, clock, smtp_server, timestamp_client, tmp_path, open_account, inbox):
    from notify import create_app
    from tests.conftest import Browser
    from tests.jobs import run_jobs

    app = create_app({"mode": "test", "instance_path": tmp_path / "u", "database": db,
                      "clock": clock, "timestamp_client": timestamp_client,
                      "smtp_host": "127.0.0.1", "smtp_port": smtp_server.port,
                      "base_url": "https://notify.test", "smtp_utf8": "1"})
    open_account(email="zoe@example.fr")
    browser = Browser(app.test_client())
    browser.login("zoe@example.fr")
    response = browser.submit("/compte/courriel", {"new_email": "Zoë@Exemple.fr"})
    assert response.status_code == 302
    run_jobs(app, "send_outbox")
    verify = next(m for m in inbox.messages if m["To"] == "zoë@exemple.fr")
    link = link_in(verify, "/compte/verification")
    browser.submit(link, page=link)
    assert "zoë@exemple.fr" in browser.get("/compte").get_data(as_text=True)
