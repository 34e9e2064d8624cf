"""The deposit API through the Flask test client: answers, refusals, limits."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from notify.auth import api_clients
from notify.auth.models import ApiClient
from notify.decisions.models import Decision
from notify.evidence.log import record_event
from notify.evidence.models import EventTag
from tests.deposits import restoration, withdrawal

URL = "/api/v1/decisions"


def stored(session):
    return session.scalar(select(func.count()).select_from(Decision))


def test_deposit_answers_each_decision_in_order(client, auth, open_account, make_holder,
                                                session):
    online = open_account().holder.licence_number
    postal = make_holder().licence_number
    items = [withdrawal("SNPC-2026-000123", online),
             restoration("SNPC-2026-000124", online),
             withdrawal("SNPC-2026-000125", postal, points=3, balance_after=7),
             {"reference": "SNPC-2026-000126"}]
    response = client.post(URL, json=items, headers=auth)
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [(r["reference"], r["outcome"], r.get("channel")) for r in results] == [
        ("SNPC-2026-000123", "accepted", "online"),
        ("SNPC-2026-000124", "accepted", "online"),
        ("SNPC-2026-000125", "accepted", "postal_simple"),
        ("SNPC-2026-000126", "rejected", None)]
    assert results[3]["errors"][0] == {"field": "licence_number",
                                       "message": "champ obligatoire"}
    assert stored(session) == 3  # committed by the view
    assert response.headers["Cache-Control"] == "no-store"

    again = client.post(URL, json=items[:3], headers=auth)
    assert [r["outcome"] for r in again.get_json()["results"]] == ["duplicate"] * 3
    assert [r["channel"] for r in again.get_json()["results"]] == [
        "online", "online", "postal_simple"]


def test_status_of_a_decision(client, auth, open_account, session):
    licence = open_account().holder.licence_number
    client.post(URL, json=[withdrawal("S-1", licence)], headers=auth)
    response = client.get(f"{URL}/S-1", headers=auth)
    assert response.status_code == 200
    assert response.get_json() == {
        "reference": "S-1", "channel": "online", "state": "pending_certification",
        "made_available_at": None, "alert": None, "first_consulted_at": None,
        "notification": None, "appeal_deadline": None}
    missing = client.get(f"{URL}/NOPE", headers=auth)
    assert missing.status_code == 404
    assert missing.get_json()["error"]["status"] == 404


# --- refused: no token, wrong token, revoked token ---------------------------------


@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer"},
    {"Authorization": "Bearer ntf_wrong"},
])
@pytest.mark.parametrize(("method", "path"), [("post", URL), ("get", f"{URL}/S-1")])
def test_without_a_valid_token_nothing_is_done(client, open_account, session, headers, method,
                                               path, api_token):
    licence = open_account().holder.licence_number
    response = getattr(client, method)(path, json=[withdrawal("S-1", licence)],
                                       headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="notify"')
    assert response.get_json()["error"]["status"] == 401
    assert stored(session) == 0


def test_a_revoked_token_is_refused(client, auth, session, clock, open_account):
    licence = open_account().holder.licence_number
    api_clients.revoke_client(session, "snpc-test", clock.now())
    session.commit()
    response = client.post(URL, json=[withdrawal("S-1", licence)], headers=auth)
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert response.get_json()["error"]["message"] == "Jeton d'accès inconnu ou révoqué."
    assert stored(session) == 0


def test_use_of_a_token_is_recorded(client, auth, session, clock):
    client.post(URL, json=[{"reference": "S-1"}], headers=auth)
    session.expire_all()
    row = session.scalar(select(ApiClient))
    assert row.last_used_at == clock.now()


# --- refused: malformed or oversized bodies ----------------------------------------


@pytest.mark.parametrize(("body", "status", "message"), [
    ('[{"reference": "A",}]', 400, "Corps JSON invalide : Expecting property name enclosed "
                                   "in double quotes, ligne 1, colonne 20."),
    ("[NaN]", 400, "Corps JSON invalide : valeur non JSON : NaN."),
    ('{"reference": "A"}', 400, "Le corps doit être un tableau JSON de décisions."),
    ("[]", 400, "Le tableau doit contenir au moins une décision."),
    (b"[\xff]", 400, None),
])
def test_malformed_bodies(client, auth, body, status, message):
    response = client.post(URL, data=body, content_type="application/json", headers=auth)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["status"] == status
    if message:
        assert error["message"] == message
    else:
        assert error["message"].startswith("Corps JSON invalide : encodage UTF-8 attendu")


def test_json_is_required(client, auth):
    response = client.post(URL, data="reference=A", headers=auth,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415


def test_more_than_10000_decisions_is_413(client, auth, session):
    items = [withdrawal(f"R-{n}", "ZZZZZZZZZZZZ") for n in range(10_001)]
    response = client.post(URL, json=items, headers=auth)
    assert response.status_code == 413
    assert response.get_json()["error"]["message"] == (
        "10000 décisions au plus par requête (reçu 10001) : découpez le dépôt.")
    assert stored(session) == 0


def test_oversized_body_is_413(client, auth):
    body = b"[" + b" " * (16 * 1024 * 1024) + b"]"
    response = client.post(URL, data=body, content_type="application/json", headers=auth)
    assert response.status_code == 413
    assert response.get_json()["error"]["status"] == 413


def test_a_database_failure_answers_409_and_stores_nothing(client, auth, session, clock,
                                                           open_account):
    """The second decision's evidence subject is already taken (as by a concurrent
    deposit): the real unique constraint fails, and the first decision is not kept."""
    licence = open_account().holder.licence_number
    record_event(session, subject="decision:S-2", tag=EventTag.DEPOSITED, actor="api:other",
                 at=clock.now())
    session.commit()
    response = client.post(URL, json=[withdrawal("S-1", licence),
                                      restoration("S-2", licence)], headers=auth)
    assert response.status_code == 409
    assert "rien n'a été enregistré" in response.get_json()["error"]["message"]
    assert stored(session) == 0


def test_the_api_is_exempt_from_csrf_but_not_from_authentication(app, auth, open_account):
    app.config["WTF_CSRF_ENABLED"] = True
    licence = open_account().holder.licence_number
    with app.test_client() as client:
        response = client.post(URL, data=json.dumps([withdrawal("C-1", licence)]),
                               content_type="application/json", headers=auth)
    assert response.status_code == 200


def test_dates_in_the_future_are_rejected(client, auth, open_account, clock):
    licence = open_account().holder.licence_number
    tomorrow = (clock.now() + timedelta(days=2)).date().isoformat()
    response = client.post(URL, json=[withdrawal("F-1", licence, decided_on=tomorrow)],
                           headers=auth)
    [result] = response.get_json()["results"]
    assert result["errors"] == [{"field": "decided_on",
                                 "message": "la date ne peut pas être dans le futur"}]


def test_routing_of_course_restorations_follows_the_setting(client, auth, open_account, db,
                                                            clock, timestamp_client, tmp_path):
    from notify import create_app

    account = open_account()
    item = restoration("STAGE-1", account.holder.licence_number, points=4, balance_after=10,
                       restoration_basis="stage")
    answer = client.post("/api/v1/decisions", json=[item], headers=auth).get_json()
    assert answer["results"][0]["channel"] == "postal_simple"

    online = create_app({"mode": "test", "instance_path": tmp_path / "o", "database": db,
                         "clock": clock, "timestamp_client": timestamp_client,
                         "routing_policy": "routing_stage_online"})
    item = restoration("STAGE-2", account.holder.licence_number, points=4, balance_after=10,
                       restoration_basis="stage", decided_on="2026-11-19")
    answer = online.test_client().post("/api/v1/decisions", json=[item],
                                       headers=auth).get_json()
    assert answer["results"][0]["channel"] == "online"
