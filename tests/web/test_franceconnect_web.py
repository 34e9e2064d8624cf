"""FranceConnect sign-in against a real OpenID Connect provider on loopback.

The provider (oidc-provider-mock) runs in a thread for the whole run; the application
talks to it over real HTTP (discovery, keys, token, userinfo). The test client plays
the browser: it follows our redirect to the provider, the person's choice is posted to
the provider's form, and the provider's redirect is brought back to our callback.

The provider signs with the real time, so the test clock is set to it; it only moves
forward by hand (the expiry test), never by sleeping.
"""

import base64
import dataclasses
import hashlib
import json
import logging
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey
from sqlalchemy import select

from notify import create_app
from notify.accounts.models import Account, AccountState
from notify.auth.secrets import digest
from notify.evidence.log import events_of
from notify.franceconnect.models import FranceConnectLink

CLIENT_ID = "notify-test"
CALLBACK = "https://notify.test/franceconnect/retour"


@pytest.fixture
def app(db, clock, smtp_server, timestamp_client, tmp_path, oidc_provider):
    """The application with FranceConnect configured (this module's ``client``,
    ``browser`` and ``open_account`` use it)."""
    clock.set(datetime.now(UTC).replace(microsecond=0))
    oidc_provider.reset()
    yield create_app({
        "mode": "test", "instance_path": tmp_path / "instance", "database": db,
        "clock": clock, "timestamp_client": timestamp_client, "smtp_host": "127.0.0.1",
        "smtp_port": smtp_server.port, "base_url": "https://notify.test",
        "franceconnect_issuer": oidc_provider.url, "franceconnect_client_id": CLIENT_ID,
        "franceconnect_client_secret": "secret-du-client",
    })
    oidc_provider.reset()


def text(response) -> str:
    return response.get_data(as_text=True)


def start(browser, url="/franceconnect/connexion", page="/connexion") -> str:
    response = browser.submit(url, page=page)
    assert response.status_code == 302, text(response)
    return response.headers["Location"]


def come_back(client, location: str):
    """The provider's redirect, followed by the browser to our callback."""
    assert location.startswith(CALLBACK), location
    parts = urlsplit(location)
    return client.get(f"{parts.path}?{parts.query}")


def sign_in_with_franceconnect(browser, provider, sub):
    return come_back(browser.client, provider.authorize(start(browser), sub))


def link_account(browser, provider, sub, licence_number):
    """From the account page: FranceConnect, then the licence number."""
    location = start(browser, "/franceconnect/liaison", page="/franceconnect/liaison")
    response = come_back(browser.client, provider.authorize(location, sub))
    assert response.status_code == 200, text(response)
    assert "Confirmer la liaison" in text(response)
    return browser.client.post("/franceconnect/liaison/confirmation", data={
        "csrf_token": browser.csrf_of(text(response)), "licence_number": licence_number})


def signed_in(client) -> bool:
    return client.get("/compte").status_code == 200


@pytest.fixture
def linked(browser, oidc_provider, open_account, session):
    """An open account linked to a FranceConnect person; the browser is logged out."""
    account = open_account()
    sub = oidc_provider.new_person()
    browser.login(account.email)
    response = link_account(browser, oidc_provider, sub, account.holder.licence_number)
    assert response.status_code == 302
    browser.client.delete_cookie("notify_session")
    return account, sub


# --- the journey --------------------------------------------------------------------


def test_link_then_sign_in_then_logout_at_the_provider(browser, oidc_provider, open_account,
                                                       session, clock):
    account = open_account(surname="TESTEUR", birth_date=date(1980, 5, 17))
    sub = oidc_provider.new_person(family_name="Testeur")
    browser.login(account.email)

    page = text(browser.get("/compte"))
    assert "Lier mon compte à FranceConnect" in page

    # Our request: code flow, state and nonce, the pivot identity's claims.
    location = start(browser, "/franceconnect/liaison", page="/franceconnect/liaison")
    query = parse_qs(urlsplit(location).query)
    assert location.startswith(oidc_provider.url)
    assert query["response_type"] == ["code"] and query["client_id"] == [CLIENT_ID]
    assert query["redirect_uri"] == [CALLBACK]
    assert len(query["state"][0]) >= 32 and len(query["nonce"][0]) >= 32
    assert "openid" in query["scope"][0].split()

    response = come_back(browser.client, oidc_provider.authorize(location, sub))
    assert response.status_code == 200
    main = text(response)[text(response).index("<main"):]
    assert "Alex Testeur" in main and "17 mai 1980" in main
    response = browser.client.post("/franceconnect/liaison/confirmation", data={
        "csrf_token": browser.csrf_of(text(response)),
        "licence_number": " " + account.holder.licence_number.lower() + " "})
    assert response.status_code == 302

    [link] = session.scalars(select(FranceConnectLink)).all()
    assert (link.account_id, link.issuer, link.sub) == (account.id, oidc_provider.url, sub)
    assert link.linked_at == clock.now()
    event = events_of(session, account.subject)[-1]
    assert event.tag == "franceconnect_linked"
    assert json.loads(event.document)["data"] == {"issuer": oidc_provider.url,
                                                  "sub_sha256": digest(sub)}
    assert "Testeur" not in event.document and "1980" not in event.document
    assert "Votre compte est lié à FranceConnect depuis" in text(browser.get("/compte"))

    # Logged out, then back in with FranceConnect alone.
    browser.submit("/deconnexion", page="/compte")
    assert not signed_in(browser.client)
    response = sign_in_with_franceconnect(browser, oidc_provider, sub)
    assert response.status_code == 302 and response.headers["Location"].endswith("/compte")
    assert signed_in(browser.client)
    # A first consultation in this session will record how it was authenticated.
    with browser.client.session_transaction() as cookie:
        assert cookie["auth_method"] == "franceconnect"

    # Logging out of a FranceConnect session logs out at the provider too.
    page = text(browser.get("/compte"))
    assert 'action="/franceconnect/deconnexion"' in page
    response = browser.submit("/franceconnect/deconnexion", page="/compte")
    location = response.headers["Location"]
    assert location.startswith(oidc_provider.url)
    query = parse_qs(urlsplit(location).query)
    assert query["post_logout_redirect_uri"] == ["https://notify.test/franceconnect/deconnexion/fin"]
    assert query["id_token_hint"][0].count(".") == 2 and query["state"]
    assert not signed_in(browser.client)
    response = browser.get("/franceconnect/deconnexion/fin", follow_redirects=True)
    assert "déconnecté de ce service et de FranceConnect" in text(response)


def test_names_are_compared_without_case_accents_or_hyphens(browser, oidc_provider,
                                                            open_account, session):
    account = open_account(surname="LEFÈVRE-D'ARC")
    sub = oidc_provider.new_person(family_name="Lefevre d arc")
    browser.login(account.email)
    response = link_account(browser, oidc_provider, sub, account.holder.licence_number)
    assert response.status_code == 302
    assert session.scalar(select(FranceConnectLink.sub)) == sub


@pytest.mark.parametrize("claims", [{"family_name": "AUTRE"}, {"birthdate": "1980-05-18"},
                                    {"birthdate": "inconnue"}])
def test_link_refused_when_the_identity_is_not_the_holder(browser, oidc_provider, open_account,
                                                          session, claims):
    account = open_account()
    sub = oidc_provider.new_person(**claims)
    browser.login(account.email)
    location = start(browser, "/franceconnect/liaison", page="/franceconnect/liaison")
    response = come_back(browser.client, oidc_provider.authorize(location, sub))
    assert response.status_code == 403
    assert "ne correspond pas au titulaire" in text(response)
    assert session.scalar(select(FranceConnectLink)) is None
    # And nothing to confirm afterwards.
    response = browser.submit("/franceconnect/liaison/confirmation",
                              {"licence_number": account.holder.licence_number}, page="/compte")
    assert response.status_code == 400


def test_link_needs_the_right_licence_number(browser, oidc_provider, open_account, session):
    account = open_account()
    sub = oidc_provider.new_person()
    browser.login(account.email)
    response = link_account(browser, oidc_provider, sub, "999999999999")
    assert response.status_code == 200
    assert "Ce numéro de permis n&#39;est pas celui de votre compte." in text(response)
    assert session.scalar(select(FranceConnectLink)) is None


def test_link_needs_a_recent_password_login(browser, open_account, clock):
    account = open_account()
    browser.login(account.email)
    clock.advance(timedelta(minutes=11))
    response = browser.get("/franceconnect/liaison")
    assert response.status_code == 302
    assert "/compte/reauthentification" in response.headers["Location"]
    response = browser.client.post("/franceconnect/liaison", data={
        "csrf_token": browser.csrf_of(text(browser.get("/compte")))})
    assert "/compte/reauthentification" in response.headers["Location"]


def test_one_franceconnect_identity_links_one_account(browser, oidc_provider, open_account,
                                                      linked, session):
    _, sub = linked
    other = open_account(email="autre@example.fr")
    browser.login(other.email)
    response = link_account(browser, oidc_provider, sub, other.holder.licence_number)
    assert "déjà liée à un autre compte" in text(response)
    assert session.scalar(select(FranceConnectLink.account_id).where(
        FranceConnectLink.sub == sub)) != other.id


def test_unlink_records_an_event_and_ends_franceconnect_sign_in(browser, oidc_provider, linked,
                                                                session):
    account, sub = linked
    browser.login(account.email)
    response = browser.submit("/franceconnect/liaison/suppression", page="/compte",
                              follow_redirects=True)
    assert "n'est plus lié à FranceConnect" in text(response).replace("&#39;", "'")
    assert session.scalar(select(FranceConnectLink)) is None
    event = events_of(session, account.subject)[-1]
    assert event.tag == "franceconnect_unlinked"
    assert json.loads(event.document)["data"]["sub_sha256"] == digest(sub)

    browser.client.delete_cookie("notify_session")
    response = sign_in_with_franceconnect(browser, oidc_provider, sub)
    assert "Aucun compte lié à cette identité" in text(response)
    assert not signed_in(browser.client)


def test_unknown_identity_is_told_how_to_link(browser, oidc_provider):
    response = sign_in_with_franceconnect(browser, oidc_provider, oidc_provider.new_person())
    assert response.status_code == 200
    page = text(response)
    assert "Aucun compte lié à cette identité" in page
    assert "Connectez-vous une première fois avec votre adresse électronique" in page
    assert not signed_in(browser.client)


def test_closed_account_cannot_sign_in(browser, oidc_provider, linked, session):
    account, sub = linked
    account = session.get(Account, account.id)
    account.state = AccountState.CLOSED
    session.commit()
    response = sign_in_with_franceconnect(browser, oidc_provider, sub)
    assert response.status_code == 403
    assert "Ce compte est fermé" in text(response)
    assert not signed_in(browser.client)


# --- refused and tampered answers -----------------------------------------------------


def refused(response, status, phrase):
    assert response.status_code == status, text(response)
    assert phrase in text(response).replace("&#39;", "'")
    assert "Code d'erreur" in text(response).replace("&#39;", "'")


def test_consent_refused(browser, oidc_provider, linked):
    location = oidc_provider.authorize(start(browser), None, deny=True)
    assert "error=access_denied" in location
    response = come_back(browser.client, location)
    refused(response, 400, "Vous avez annulé la connexion")
    assert not signed_in(browser.client)


def test_wrong_state(browser, oidc_provider, linked):
    _, sub = linked
    location = oidc_provider.authorize(start(browser), sub)
    parts = urlsplit(location)
    query = parse_qs(parts.query)
    response = browser.client.get(f"{parts.path}?code={query['code'][0]}&state=forged")
    refused(response, 400, "n'a pas pu être vérifiée")
    assert not signed_in(browser.client)


def test_replayed_answer(browser, oidc_provider, linked):
    _, sub = linked
    location = oidc_provider.authorize(start(browser), sub)
    assert come_back(browser.client, location).status_code == 302
    browser.client.delete_cookie("notify_session")
    browser.get("/connexion")
    # The same answer again, in a fresh session, then after a new start elsewhere.
    refused(come_back(browser.client, location), 400, "déjà servi")
    start(browser)
    refused(come_back(browser.client, location), 400, "n'a pas pu être vérifiée")
    assert not signed_in(browser.client)


def test_code_of_another_request_is_refused_by_its_nonce(browser, oidc_provider, linked, app):
    """An attacker's code injected into the victim's return (with the victim's state):
    the ID token carries the attacker's nonce, not the one the victim's request sent."""
    _, sub = linked
    victim_answer = oidc_provider.authorize(start(browser), sub)
    attacker = type(browser)(app.test_client())
    attacker_answer = oidc_provider.authorize(start(attacker), oidc_provider.new_person())
    code = parse_qs(urlsplit(attacker_answer).query)["code"][0]
    state = parse_qs(urlsplit(victim_answer).query)["state"][0]
    response = browser.client.get(f"/franceconnect/retour?code={code}&state={state}")
    refused(response, 400, "n'a pas pu être vérifiée")
    assert not signed_in(browser.client)


def _segments(token: str) -> list[str]:
    return token.split(".")


def _claims(token: str) -> dict:
    payload = _segments(token)[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def _header(token: str) -> dict:
    header = _segments(token)[0]
    return json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))


def _resigned(change):
    """Re-sign the ID token with the provider's own key after ``change(claims)``."""
    def tamper(token, key):
        claims = _claims(token)
        change(claims)
        return jwt.encode(_header(token), claims, RSAKey.import_key(key))
    return tamper


def _signed_with_another_key(token, key):
    return jwt.encode(_header(token), _claims(token), RSAKey.generate_key(2048))


def _altered(token, key):
    header, _, signature = _segments(token)
    claims = _claims(token)
    claims["sub"] = "someone-else"
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{payload}.{signature}"


@pytest.mark.parametrize("tamper", [
    pytest.param(_signed_with_another_key, id="another-key"),
    pytest.param(_altered, id="altered-payload"),
    pytest.param(_resigned(lambda c: c.update(aud="another-service")), id="wrong-audience"),
    pytest.param(_resigned(lambda c: c.update(iss="https://faux-franceconnect.example")),
                 id="issuer-mismatch"),
    pytest.param(_resigned(lambda c: c.update(nonce="not-the-nonce-we-sent")),
                 id="wrong-nonce"),
])
def test_tampered_id_token_is_refused(browser, oidc_provider, linked, caplog, tamper):
    _, sub = linked
    oidc_provider.tamper = tamper
    with caplog.at_level(logging.WARNING, logger="notify.franceconnect"):
        response = sign_in_with_franceconnect(browser, oidc_provider, sub)
    refused(response, 400, "n'a pas pu être vérifiée")
    assert not signed_in(browser.client)
    assert any("answer refused" in r.getMessage() for r in caplog.records)
    assert all(sub not in r.getMessage() for r in caplog.records)


def test_expired_id_token(browser, oidc_provider, linked, clock, caplog):
    """The provider's ID tokens live five minutes; ours comes back seven minutes later by
    the service's clock (one minute of clock difference is tolerated)."""
    _, sub = linked
    location = oidc_provider.authorize(start(browser), sub)
    clock.advance(timedelta(minutes=7))
    with caplog.at_level(logging.WARNING, logger="notify.franceconnect"):
        response = come_back(browser.client, location)
    refused(response, 400, "n'a pas pu être vérifiée")
    assert any("ExpiredTokenError" in r.getMessage() for r in caplog.records)
    assert not signed_in(browser.client)


def test_answer_after_ten_minutes_is_refused(browser, oidc_provider, linked, clock):
    _, sub = linked
    location = oidc_provider.authorize(start(browser), sub)
    clock.advance(timedelta(minutes=11))
    refused(come_back(browser.client, location), 400, "elle a expiré")
    assert not signed_in(browser.client)


def test_provider_unreachable(db, clock, smtp_server, timestamp_client, tmp_path, free_port,
                              browser, caplog):
    app = create_app({
        "mode": "test", "instance_path": tmp_path / "unreachable", "database": db,
        "clock": clock, "timestamp_client": timestamp_client, "smtp_host": "127.0.0.1",
        "smtp_port": smtp_server.port, "base_url": "https://notify.test",
        "franceconnect_issuer": f"http://127.0.0.1:{free_port()}",
        "franceconnect_client_id": CLIENT_ID, "franceconnect_client_secret": "secret",
    })
    visitor = type(browser)(app.test_client())
    with caplog.at_level(logging.ERROR, logger="notify.franceconnect"):
        response = visitor.submit("/franceconnect/connexion", page="/connexion")
    refused(response, 503, "FranceConnect ne répond pas pour le moment")
    assert "mot de passe" in text(response)
    [record] = [r for r in caplog.records if r.name.startswith("notify.franceconnect")]
    assert "unreachable during start" in record.getMessage()
    assert "ConnectionError" in record.getMessage()


@pytest.mark.parametrize(("method", "url"), [
    ("get", "/franceconnect/liaison"), ("post", "/franceconnect/liaison"),
    ("post", "/franceconnect/liaison/confirmation"), ("post", "/franceconnect/liaison/suppression"),
    ("post", "/franceconnect/deconnexion"),
])
def test_anonymous_is_sent_to_login(browser, method, url):
    if method == "get":
        response = browser.get(url)
    else:
        response = browser.submit(url, page="/connexion")
    assert response.status_code == 302
    assert "/connexion" in response.headers["Location"]


def test_confirmation_without_a_checked_identity_is_refused(browser, open_account, session):
    account = open_account()
    browser.login(account.email)
    response = browser.submit("/franceconnect/liaison/confirmation",
                              {"licence_number": account.holder.licence_number}, page="/compte")
    refused(response, 400, "Liaison expirée")
    assert session.scalar(select(FranceConnectLink)) is None


def test_return_to_link_in_another_session_is_refused(browser, oidc_provider, open_account, app,
                                                     session):
    """A link started by one holder cannot be finished by another one's session."""
    account = open_account()
    other = open_account(email="autre@example.fr")
    browser.login(account.email)
    location = start(browser, "/franceconnect/liaison", page="/franceconnect/liaison")
    answer = oidc_provider.authorize(location, oidc_provider.new_person())
    # The holder's session cookie carries the pending request; another holder logs in
    # inside it (same browser) before the answer comes back.
    browser.login(other.email)
    response = come_back(browser.client, answer)
    assert response.status_code in (400, 403)
    assert session.scalar(select(FranceConnectLink)) is None


# --- what FranceConnect does beyond a plain provider ---------------------------------


def test_pkce_when_the_provider_offers_it(browser, oidc_provider, linked):
    """RFC 7636: the challenge goes with the request, the verifier with the code."""
    _, sub = linked
    oidc_provider.advertise = {"code_challenge_methods_supported": ["S256"]}
    location = start(browser)
    query = parse_qs(urlsplit(location).query)
    assert query["code_challenge_method"] == ["S256"]
    response = come_back(browser.client, oidc_provider.authorize(location, sub))
    assert response.status_code == 302 and signed_in(browser.client)
    token_request = oidc_provider.token_requests[-1]
    verifier = token_request["code_verifier"]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    assert query["code_challenge"] == [challenge.rstrip(b"=").decode()]


def test_franceconnect_scopes_and_eidas_level_are_asked_for(browser, oidc_provider, caplog):
    oidc_provider.advertise = {
        "scopes_supported": ["openid", "given_name", "family_name", "birthdate", "gender",
                             "birthplace", "birthcountry", "email"],
        "acr_values_supported": ["eidas1"]}
    query = parse_qs(urlsplit(start(browser)).query)
    assert query["scope"] == ["openid given_name family_name birthdate"]
    assert query["acr_values"] == ["eidas1"]


def _signed_userinfo(issuer, audience=CLIENT_ID, key=None):
    def sign(claims, provider_key):
        private = key or RSAKey.import_key(provider_key)
        return jwt.encode({"alg": "RS256", "kid": provider_key.get("kid")},
                          {**claims, "iss": issuer, "aud": audience}, private)
    return sign


def test_signed_userinfo_is_checked(browser, oidc_provider, linked):
    """FranceConnect v2 answers userinfo with a JWT signed like the ID token."""
    _, sub = linked
    oidc_provider.signed_userinfo = _signed_userinfo(oidc_provider.url)
    response = sign_in_with_franceconnect(browser, oidc_provider, sub)
    assert response.status_code == 302 and signed_in(browser.client)


@pytest.mark.parametrize("forge", [
    pytest.param(lambda url: _signed_userinfo(url, key=RSAKey.generate_key(2048)),
                 id="another-key"),
    pytest.param(lambda url: _signed_userinfo(url, audience="another-service"),
                 id="wrong-audience"),
    pytest.param(lambda url: _signed_userinfo("https://faux.example"), id="wrong-issuer"),
])
def test_forged_signed_userinfo_is_refused(browser, oidc_provider, linked, forge):
    _, sub = linked
    oidc_provider.signed_userinfo = forge(oidc_provider.url)
    refused(sign_in_with_franceconnect(browser, oidc_provider, sub), 400,
            "n'a pas pu être vérifiée")
    assert not signed_in(browser.client)


def test_userinfo_of_another_person_is_refused(browser, oidc_provider, linked):
    """The userinfo's ``sub`` must be the ID token's (OpenID Connect Core 5.3.2)."""
    _, sub = linked
    def other_person(claims, key):
        return _signed_userinfo(oidc_provider.url)({**claims, "sub": "someone-else"}, key)
    oidc_provider.signed_userinfo = other_person
    refused(sign_in_with_franceconnect(browser, oidc_provider, sub), 400,
            "n'a pas pu être vérifiée")


def test_other_provider_error_is_a_french_page(browser, oidc_provider):
    state = parse_qs(urlsplit(start(browser)).query)["state"][0]
    response = browser.get(f"/franceconnect/retour?error=server_error&state={state}")
    refused(response, 400, "FranceConnect n'a pas pu vous identifier")


def _provider_goes_down(app, free_port):
    """From now on the configured provider is a port where nothing listens."""
    services = app.extensions["notify"]
    services.settings = dataclasses.replace(
        services.settings, franceconnect_issuer=f"http://127.0.0.1:{free_port()}")


def test_provider_unreachable_on_return(browser, oidc_provider, linked, app, free_port, caplog):
    _, sub = linked
    answer = oidc_provider.authorize(start(browser), sub)
    _provider_goes_down(app, free_port)
    with caplog.at_level(logging.ERROR, logger="notify.franceconnect"):
        response = come_back(browser.client, answer)
    refused(response, 503, "FranceConnect ne répond pas pour le moment")
    assert any("unreachable during sign_in" in r.getMessage() for r in caplog.records)
    assert not signed_in(browser.client)


def test_provider_unreachable_on_logout(browser, oidc_provider, linked, app, free_port, caplog):
    _, sub = linked
    assert sign_in_with_franceconnect(browser, oidc_provider, sub).status_code == 302
    _provider_goes_down(app, free_port)
    with caplog.at_level(logging.ERROR, logger="notify.franceconnect"):
        response = browser.submit("/franceconnect/deconnexion", page="/compte",
                                  follow_redirects=True)
    assert "FranceConnect n'a pas pu être joint" in text(response).replace("&#39;", "'")
    assert any("logout failed" in r.getMessage() for r in caplog.records)
    assert not signed_in(browser.client)
