"""Authentication through the Flask test client: staff enrolment and login with TOTP,
access of each kind of principal to each guarded page, device cookies, API scopes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from notify.auth import api_clients
from notify.auth import staff as staff_ops
from notify.auth.models import StaffMember
from notify.auth.permissions import ROLE_PERMISSIONS, Permission, PrincipalKind, Role
from notify.evidence.log import events_of
from tests.conftest import PASSWORD, STAFF_PASSWORD, current_code, depositor_id, staff_login
from tests.deposits import withdrawal

# --- enrolment by the command line, then the first visit ---------------------------


def test_staff_enrolled_by_cli_then_first_visit(runner, browser, session, clock, app_secret):
    result = runner.invoke(args=["staff", "create", "Admin@Example.fr", "--role", "admin"])
    assert result.exit_code == 0, result.output
    link = result.stdout.strip().splitlines()[-1]
    assert link.startswith("https://notify.test/agents/inscription/")
    path = link.removeprefix("https://notify.test")

    page = browser.get(path).get_data(as_text=True)
    assert "admin@example.fr" in page
    response = browser.submit(path, {"password": STAFF_PASSWORD,
                                     "password_confirm": STAFF_PASSWORD})
    assert response.headers["Location"].endswith("/agents/inscription/second-facteur")
    page = browser.get("/agents/inscription/second-facteur").get_data(as_text=True)
    uri = re.search(r"<code>(otpauth://totp/[^<]+)</code>", page).group(1)
    secret = re.search(r"secret=([A-Z2-7]+)", uri).group(1)
    assert "<svg" in page and "issuer=notify" in uri.replace("&amp;", "&")
    member = session.scalar(select(StaffMember).where(StaffMember.email == "admin@example.fr"))
    assert secret not in member.totp_secret  # encrypted at rest
    assert staff_ops.totp_secret_of(member, app_secret) == secret

    wrong = browser.submit("/agents/inscription/second-facteur", {"code": "000000"})
    assert "Ce code ne correspond pas" in wrong.get_data(as_text=True)
    done = browser.submit("/agents/inscription/second-facteur",
                          {"code": current_code(secret, clock)})
    codes = re.findall(r"<li><code>([A-Z0-9-]{19})</code></li>", done.get_data(as_text=True))
    assert len(codes) == 10
    assert browser.get(path).status_code == 404  # the link served once

    clock.advance(timedelta(seconds=30))
    response = staff_login(browser, "admin@example.fr", current_code(secret, clock))
    assert response.headers["Location"].endswith("/agents/")
    home = browser.get("/agents/").get_data(as_text=True)
    assert "admin@example.fr" in home and "administrateur" in home
    assert "gérer les agents" in home
    session.expire_all()
    assert [e.tag for e in events_of(session, member.subject)] == [
        "staff_created", "staff_enrolled", "staff_logged_in"]


def test_staff_login_needs_the_second_factor(browser, clock, enrolled_staff):
    email, secret, _ = enrolled_staff()
    missing = staff_login(browser, email, "")
    assert "Ce champ est obligatoire" in missing.get_data(as_text=True)
    wrong = staff_login(browser, email, "123456")
    assert "code de vérification incorrect" in wrong.get_data(as_text=True)
    bad_password = staff_login(browser, email, current_code(secret, clock), "not the password!")
    assert "code de vérification incorrect" in bad_password.get_data(as_text=True)
    assert browser.get("/agents/").status_code == 302
    assert staff_login(browser, email, current_code(secret, clock)).status_code == 302
    assert browser.get("/agents/").status_code == 200


def test_a_totp_code_is_not_accepted_twice(browser, clock, enrolled_staff):
    email, secret, _ = enrolled_staff()
    code = current_code(secret, clock)
    assert staff_login(browser, email, code).status_code == 302
    browser.submit("/agents/deconnexion", page="/agents/")
    replay = staff_login(browser, email, code)
    assert "code de vérification incorrect" in replay.get_data(as_text=True)


def test_a_recovery_code_works_once(browser, session, enrolled_staff):
    email, _, codes = enrolled_staff()
    assert staff_login(browser, email, codes[0].lower().replace("-", "")).status_code == 302
    browser.submit("/agents/deconnexion", page="/agents/")
    again = staff_login(browser, email, codes[0])
    assert "code de vérification incorrect" in again.get_data(as_text=True)
    member = session.scalar(select(StaffMember).where(StaffMember.email == email))
    assert "staff_recovery_code_used" in [e.tag for e in events_of(session, member.subject)]


def test_disabled_staff_is_logged_out_and_refused(runner, browser, clock, enrolled_staff):
    email, secret, _ = enrolled_staff()
    staff_login(browser, email, current_code(secret, clock))
    assert runner.invoke(args=["staff", "disable", email]).exit_code == 0
    assert browser.get("/agents/").status_code == 302
    clock.advance(timedelta(seconds=30))
    refused = staff_login(browser, email, current_code(secret, clock))
    assert "code de vérification incorrect" in refused.get_data(as_text=True)


def test_staff_session_idle_and_absolute_limits(app, browser, clock, enrolled_staff):
    settings = app.extensions["notify"].settings
    email, secret, _ = enrolled_staff()
    staff_login(browser, email, current_code(secret, clock))
    clock.advance(timedelta(minutes=settings.staff_idle_minutes - 1))
    assert browser.get("/agents/").status_code == 200
    clock.advance(timedelta(minutes=settings.staff_idle_minutes + 1))
    expired = browser.get("/agents/", follow_redirects=True)
    assert "Votre session a expiré" in expired.get_data(as_text=True)

    clock.advance(timedelta(seconds=30))
    staff_login(browser, email, current_code(secret, clock))
    for _ in range(settings.staff_session_minutes // (settings.staff_idle_minutes - 1)):
        clock.advance(timedelta(minutes=settings.staff_idle_minutes - 1))
        browser.get("/agents/")
    clock.advance(timedelta(minutes=settings.staff_idle_minutes - 1))
    assert browser.get("/agents/").status_code == 302


# --- each kind of principal on each guarded page -----------------------------------


def guarded_routes(app):
    """Every GET-able guarded page of the app and the kind of principal it is for."""
    from notify.auth.web import _kind_of

    routes = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        permission = getattr(view, "required_permission", None)
        if permission is None:
            continue
        url = re.sub(r"<[^>]+>", "REF-1", re.sub(r"<int:[^>]+>", "1", rule.rule))
        method = "get" if "GET" in rule.methods else "post"
        routes.append((url, method, _kind_of(permission), permission))
    return routes


def test_the_guarded_pages_cover_both_wings(app):
    kinds = {kind for _, _, kind, _ in guarded_routes(app)}
    assert kinds == {PrincipalKind.HOLDER, PrincipalKind.STAFF}


@pytest.mark.parametrize("who", ["anonymous", "holder", *Role])
def test_each_kind_and_role_reaches_only_its_own_pages(app, browser, clock, open_account,
                                                       enrolled_staff, who):
    """Every guarded page, for nobody, a holder and a member of each staff role: the
    login page of the page's kind, the page itself if the role holds its permission
    (a file may first ask the "motif d'accès"), else 403."""
    if who == "holder":
        open_account(email="titulaire@example.fr")
        assert browser.login("titulaire@example.fr").status_code == 302
        held = {Permission.HOLDER_SPACE}
    elif who != "anonymous":
        email, secret, _ = enrolled_staff(email=f"{who}@example.fr", role=who)
        assert staff_login(browser, email, current_code(secret, clock)).status_code == 302
        held = ROLE_PERMISSIONS[Role(who)]
    csrf = browser.csrf_of(browser.get("/agents/connexion").get_data(as_text=True))
    # Logging out ends the session: one's own logout comes last.
    routes = sorted(guarded_routes(app), key=lambda route: (
        "deconnexion" in route[0], who != "anonymous" and route[3] in held))
    for url, method, kind, permission in routes:
        response = getattr(browser.client, method)(url, data={"csrf_token": csrf})
        if who == "anonymous":
            login = "/agents/connexion" if kind == PrincipalKind.STAFF else "/connexion"
            assert response.status_code == 302, url
            assert response.headers["Location"].startswith(login + "?next="), url
        elif permission not in held:
            assert response.status_code == 403, (url, response.status_code)
        elif method == "get":
            # A page may send on within the site (the reason form, the export without
            # criteria to the search), never to a login page nor refuse.
            assert response.status_code not in (401, 403), (url, response.status_code)
            assert "connexion" not in response.headers.get("Location", ""), url
        else:  # forms: their answer, a redirection at most, never a refusal
            # (404: a form on a resource, and REF-1 names none)
            assert response.status_code in (200, 302, 404), (url, response.status_code)


# --- holders: a stranger cannot lock the owner out --------------------------------


def test_a_holder_locked_out_by_a_stranger_still_signs_in_from_his_browser(
        app, client, open_account):
    from tests.conftest import Browser

    open_account(email="cible@example.fr")
    owner = Browser(client)
    assert owner.login("cible@example.fr").status_code == 302  # his browser, trusted
    owner.submit("/deconnexion", page="/compte")

    limit = app.extensions["notify"].settings.login_max_failures_per_account
    stranger = Browser(app.test_client())
    for n in range(limit):
        stranger.client.environ_base["REMOTE_ADDR"] = f"203.0.113.{n}"
        stranger.login("cible@example.fr", "guessing the password")
    stranger.client.environ_base["REMOTE_ADDR"] = "203.0.113.99"
    locked = stranger.login("cible@example.fr")  # even with the right password
    assert locked.status_code == 429

    assert owner.login("cible@example.fr").status_code == 302
    assert owner.get("/compte").status_code == 200


def test_a_forged_device_cookie_is_not_trusted(app, client, open_account):
    from tests.conftest import Browser

    open_account(email="cible@example.fr")
    limit = app.extensions["notify"].settings.login_max_failures_per_account
    stranger = Browser(client)
    for _ in range(limit):
        stranger.login("cible@example.fr", "guessing the password")
    client.set_cookie("notify_device", '{"holder:1": "x"}')
    assert stranger.login("cible@example.fr").status_code == 429


def test_a_trusted_device_is_locked_after_its_own_failures(app, client, open_account):
    from tests.conftest import Browser

    open_account(email="cible@example.fr")
    owner = Browser(client)
    owner.login("cible@example.fr")
    owner.submit("/deconnexion", page="/compte")
    limit = app.extensions["notify"].settings.login_max_failures_per_account
    for _ in range(limit):
        owner.login("cible@example.fr", "a stolen cookie, a wrong password")
    assert owner.login("cible@example.fr").status_code == 429


# --- API clients: scopes and organisations ----------------------------------------


def _client(session, clock, name, org_slug, *scopes):
    if org_slug != "registre-test":
        api_clients.create_organisation(session, org_slug, org_slug, "provider", clock.now())
    _, secret = api_clients.create_client(session, name, org_slug, scopes, clock.now())
    return {"Authorization": f"Bearer {secret}"}


def test_a_client_reads_only_what_its_organisation_deposited(client, session, clock,
                                                              open_account):
    depositor_id(session)
    ours = _client(session, clock, "registre", "registre-test", "decisions:deposit",
                   "decisions:read")
    theirs = _client(session, clock, "autre", "autre-org", "decisions:deposit",
                     "decisions:read")
    session.commit()
    licence = open_account().holder.licence_number
    deposited = client.post("/api/v1/decisions", json=[withdrawal("S-1", licence)],
                            headers=ours)
    assert deposited.get_json()["results"][0]["outcome"] == "accepted"
    assert client.get("/api/v1/decisions/S-1", headers=ours).status_code == 200
    other = client.get("/api/v1/decisions/S-1", headers=theirs)
    assert other.status_code == 404
    unknown = client.get("/api/v1/decisions/NOPE", headers=theirs)
    assert other.get_json()["error"]["message"].replace("S-1", "NOPE") == \
        unknown.get_json()["error"]["message"]


def test_a_client_without_the_scope_is_refused(client, session, clock, open_account):
    depositor_id(session)
    reader = _client(session, clock, "lecteur", "registre-test", "decisions:read")
    depositor = _client(session, clock, "deposant", "registre-test", "decisions:deposit")
    session.commit()
    licence = open_account().holder.licence_number
    refused = client.post("/api/v1/decisions", json=[withdrawal("S-1", licence)],
                          headers=reader)
    assert refused.status_code == 403
    assert "decisions:deposit" in refused.get_json()["error"]["message"]
    assert client.post("/api/v1/decisions", json=[withdrawal("S-1", licence)],
                       headers=depositor).status_code == 200
    assert client.get("/api/v1/decisions/S-1", headers=depositor).status_code == 403


def test_api_token_needs_a_known_organisation_and_scope(runner, session):
    unknown_org = runner.invoke(args=["api-token", "create", "x", "--org", "nope",
                                      "--scope", "decisions:read"])
    assert unknown_org.exit_code != 0 and "Aucune organisation" in unknown_org.output
    unknown_scope = runner.invoke(args=["api-token", "create", "x", "--org", "nope",
                                        "--scope", "staff:home"])
    assert unknown_scope.exit_code != 0
    created = runner.invoke(args=["organisation", "create", "cert-75", "--name",
                                  "CERT de Paris", "--kind", "centre"])
    assert created.exit_code == 0, created.output
    assert "cert-75\tcentre\tCERT de Paris" in runner.invoke(
        args=["organisation", "list"]).output


def test_a_staff_member_is_no_holder_and_a_holder_no_staff(browser, clock, open_account,
                                                           enrolled_staff):
    open_account(email="titulaire@example.fr", password=PASSWORD)
    email, secret, _ = enrolled_staff(email="titulaire@example.fr")  # same address
    assert staff_login(browser, email, current_code(secret, clock)).status_code == 302
    assert browser.get("/compte").status_code == 403
    assert browser.login("titulaire@example.fr").status_code == 302
    assert browser.get("/agents/").status_code == 403


def test_enrolment_refusals(runner, browser, client, clock):
    assert browser.get("/agents/inscription/not-a-token").status_code == 404
    assert browser.get("/agents/inscription/second-facteur").status_code == 404
    link = runner.invoke(args=["staff", "create", "tard@example.fr", "--role", "legal"])
    path = link.stdout.strip().splitlines()[-1].removeprefix("https://notify.test")
    clock.advance(timedelta(hours=73))
    expired = browser.get(path)
    assert expired.status_code == 404
    assert "a expiré" in expired.get_data(as_text=True)
    again = runner.invoke(args=["staff", "create", "tard@example.fr", "--role", "legal"])
    assert again.exit_code != 0 and "déjà" in again.output
    wrong_role = runner.invoke(args=["staff", "create", "x@example.fr", "--role", "holder"])
    assert wrong_role.exit_code != 0


def test_staff_forms_need_their_csrf_token(client, enrolled_staff, clock):
    email, secret, _ = enrolled_staff()
    response = client.post("/agents/connexion", data={
        "email": email, "password": STAFF_PASSWORD, "code": current_code(secret, clock)})
    assert response.status_code == 400
    assert client.get("/agents/").status_code == 302
