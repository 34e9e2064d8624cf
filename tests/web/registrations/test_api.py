"""The registrations API through the Flask test client: scopes, another's file, the
suspended provider, idempotency, steps, bulk updates, bad input, owners' e-mails."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from notify.auth import api_clients
from notify.errors import InvalidInput
from notify.evidence.models import Event as EvidenceEvent
from notify.mail.models import OutboxMessage
from notify.registrations import operations as reg
from notify.registrations.models import Application, Transition
from tests.web.registrations.conftest import filing

URL = "/api/v1/registrations"
BASE = "https://notify.test"


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def _filed(client, headers, n=1, **overrides) -> str:
    response = client.post(URL, json=filing(n, **overrides), headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["file"]["number"]


def _in_review(client, tokens, n=1) -> str:
    number = _filed(client, tokens.garage, n)
    assert client.post(f"{URL}/{number}/submit", headers=tokens.garage).status_code == 200
    assert client.post(f"{URL}/{number}/payment", headers=tokens.garage).status_code == 200
    return number


def test_a_provider_files_idempotently_on_its_own_reference(client, session, tokens):
    created = client.post(URL, json=filing(), headers=tokens.garage)
    assert created.status_code == 201
    body = created.get_json()
    number = body["file"]["number"]
    assert body["tracking_code"] and "clé de contrôle" in body["warnings"][0]
    assert created.headers["Location"] == f"/api/v1/registrations/{number}"
    assert created.headers["Cache-Control"] == "no-store"
    assert body["file"]["state"] == "a_completer"
    assert body["file"]["next_events"] == ["submit", "abandon"]
    assert body["file"]["transmit_by"] == "2026-12-04T10:00:00.000000Z"

    again = client.post(URL, json=filing(), headers=tokens.garage)
    assert again.status_code == 200
    assert again.get_json()["file"] == body["file"]
    assert again.get_json()["tracking_code"] is None
    changed = client.post(URL, json=filing(plate="AB-124-CD"), headers=tokens.garage)
    assert changed.status_code == 409
    assert changed.get_json() == {"error": {"status": 409, "message": (
        "La référence « DOS-1 » désigne déjà un dossier au contenu différent.")}}
    # Another provider's same reference is its own file.
    assert client.post(URL, json=filing(), headers=tokens.other).status_code == 201
    assert count(session, Application) == 2


def test_a_file_from_filing_to_review_with_its_timeline_and_changes(client, tokens):
    number = _filed(client, tokens.garage)
    submitted = client.post(f"{URL}/{number}/submit", headers=tokens.garage)
    assert submitted.status_code == 200
    step = submitted.get_json()
    assert (step["event"], step["from_state"], step["to_state"], step["actor"]) == (
        "submit", "a_completer", "en_attente_paiement", "provider")
    client.post(f"{URL}/{number}/payment", headers=tokens.garage)
    asked = client.post(f"{URL}/{number.lower()}/transitions", headers=tokens.lyon,
                        json={"event": "request_information", "reason": "Pièce illisible"})
    assert asked.status_code == 200 and asked.get_json()["actor"] == "centre"
    answered = client.post(f"{URL}/{number}/transitions", headers=tokens.garage,
                           json={"event": "provide_information"})
    assert answered.get_json()["to_state"] == "en_instruction"

    read = client.get(f"{URL}/{number}", headers=tokens.lyon).get_json()
    assert [c["event"] for c in read["timeline"]] == [
        "filed", "submit", "record_payment", "request_information", "provide_information"]
    assert read["timeline"][3]["reason"] == "Pièce illisible"
    assert read["file"]["next_events"] == ["request_information", "request_tax_information",
                                           "reject", "approve", "abandon"]

    page = client.get(f"{URL}/changes?limit=2", headers=tokens.garage).get_json()
    assert [c["event"] for c in page["changes"]] == ["filed", "submit"]
    assert page["more"] is True
    rest = client.get(f"{URL}/changes?after={page['cursor']}", headers=tokens.garage).get_json()
    assert [c["event"] for c in rest["changes"]] == [
        "record_payment", "request_information", "provide_information"]
    assert rest["more"] is False
    assert client.get(f"{URL}/changes", headers=tokens.paris).get_json() == {
        "changes": [], "cursor": 0, "more": False}


def test_scopes_and_kinds_of_organisation(client, session, clock, tokens):
    number = _filed(client, tokens.garage)
    refused = client.post(URL, json=filing(2), headers=tokens.lyon)
    assert refused.status_code == 403
    assert refused.get_json()["error"]["message"] == (
        "Ce jeton n'a pas la portée « registrations:file ».")
    assert client.post(f"{URL}/{number}/submit", headers=tokens.lyon).status_code == 403
    # A centre may not submit, even by a transition; a provider may not approve.
    client.post(f"{URL}/{number}/submit", headers=tokens.garage)
    client.post(f"{URL}/{number}/payment", headers=tokens.garage)
    approve = client.post(f"{URL}/{number}/transitions", headers=tokens.garage,
                          json={"event": "approve"})
    assert approve.status_code == 403
    assert approve.get_json()["error"]["message"] == (
        "Le professionnel habilité ne peut pas enregistrer « demande validée ».")
    # A decisions token holds neither registrations scope.
    from tests.conftest import depositor_id

    depositor_id(session)
    _, secret = api_clients.create_client(session, "snpc", "registre-test",
                                          ["decisions:deposit"], clock.now())
    session.commit()
    other = client.get(f"{URL}/{number}", headers={"Authorization": f"Bearer {secret}"})
    assert other.status_code == 403
    assert other.get_json()["error"]["message"] == (
        "Ce jeton n'a pas la portée « registrations:file » ni « registrations:instruct ».")
    assert client.get(f"{URL}/{number}").status_code == 401
    # A provider organisation not (or no longer) in the providers' register.
    api_clients.create_organisation(session, "garage-z", "Garage Z", "provider", clock.now())
    _, secret = api_clients.create_client(session, "garage-z-sys", "garage-z",
                                          ["registrations:file"], clock.now())
    session.commit()
    unregistered = client.get(f"{URL}/changes", headers={"Authorization": f"Bearer {secret}"})
    assert unregistered.status_code == 403
    assert unregistered.get_json()["error"]["message"] == (
        "Cette organisation n'est pas enregistrée comme un professionnel habilité.")
    # A scope is given only to its kind of organisation.
    with pytest.raises(InvalidInput, match="réservée à une autre sorte"):
        api_clients.create_client(session, "mauvais", "cert-lyon", ["registrations:file"],
                                  clock.now())


def test_another_organisations_file_answers_as_an_unknown_number(client, tokens):
    number = _filed(client, tokens.garage)
    unknown = "IM" + ("Z" if number[2] != "Z" else "Y") + number[3:]
    for headers in (tokens.other, tokens.paris):
        theirs = client.get(f"{URL}/{number}", headers=headers)
        nobody = client.get(f"{URL}/{unknown}", headers=headers)
        assert theirs.status_code == nobody.status_code == 404
        assert theirs.get_json()["error"]["message"].replace(number, "N") == \
            nobody.get_json()["error"]["message"].replace(unknown, "N")
    assert client.post(f"{URL}/{number}/submit", headers=tokens.other).status_code == 404
    assert client.get(f"{URL}/{number}", headers=tokens.lyon).status_code == 200
    assert client.get(f"{URL}/pas%00un-numero", headers=tokens.garage).status_code == 404


def test_an_illegal_step_is_refused_naming_the_state_and_the_event(client, session, tokens):
    number = _filed(client, tokens.garage)
    before = count(session, EvidenceEvent)
    response = client.post(f"{URL}/{number}/payment", headers=tokens.garage)
    assert response.status_code == 409
    assert response.get_json()["error"]["message"] == (
        "« paiement enregistré » est impossible pour un dossier « À compléter ».")
    no_reason = client.post(f"{URL}/{number}/transitions", headers=tokens.garage,
                            json={"event": "abandon"})
    assert no_reason.status_code == 400
    assert "motif est obligatoire" in no_reason.get_json()["error"]["message"]
    assert count(session, EvidenceEvent) == before  # nothing written


@pytest.mark.parametrize("withdraw", [False, True])
def test_a_suspended_or_withdrawn_provider_is_refused_with_the_reason(
        app, client, session, clock, tokens, registration_world, withdraw):
    number = _filed(client, tokens.garage)
    w = registration_world
    provider_id = reg.provider_of(session, w.garage_actor).id
    with app.app_context():
        if withdraw:
            reg.withdraw_provider(session, w.staff, provider_id, reason="Faux documents",
                                  legal_ground="fraud", now=clock.now(), base_url=BASE)
        else:
            reg.suspend_provider(session, w.staff, provider_id, reason="Pièces non vérifiées",
                                 legal_ground="negligence", until=date(2026, 12, 31),
                                 now=clock.now(), base_url=BASE)
    session.commit()
    expected = ("L'habilitation de ce professionnel a été retirée (fraude (art. 18-10)) : il "
                "ne peut plus déposer ni faire évoluer de demande." if withdraw else
                "L'habilitation de ce professionnel est suspendue jusqu'au 31 décembre 2026 "
                "inclus (manquement ou négligence dans l'exercice de l'activité "
                "(art. 18-10)) : il ne peut ni déposer ni faire évoluer de demande.")
    for response in (client.post(URL, json=filing(2), headers=tokens.garage),
                     client.post(f"{URL}/{number}/submit", headers=tokens.garage),
                     client.get(f"{URL}/{number}", headers=tokens.garage),
                     client.get(f"{URL}/changes", headers=tokens.garage),
                     client.post(f"{URL}/transitions", headers=tokens.garage,
                                 json=[{"number": number, "event": "submit"}])):
        assert response.status_code == 403
        assert response.get_json() == {"error": {"status": 403, "message": expected}}
    # The centre still sees the file, flagged; the other provider is not concerned.
    file = client.get(f"{URL}/{number}", headers=tokens.lyon).get_json()["file"]
    assert file["provider_flag"].startswith("Habilitation du professionnel")
    assert client.post(URL, json=filing(3), headers=tokens.other).status_code == 201
    if not withdraw:  # a suspension ends by itself after its last day
        clock.set(clock.now().replace(year=2027, month=1, day=1))
        assert client.get(f"{URL}/{number}", headers=tokens.garage).status_code == 200


def test_bulk_updates_answer_each_item_and_write_only_the_accepted(client, session, tokens):
    first, second = _in_review(client, tokens, 1), _in_review(client, tokens, 2)
    theirs = _filed(client, tokens.other, 3, centre="CERT-PARIS")
    events, steps = count(session, EvidenceEvent), count(session, Transition)
    items = [
        {"number": first, "event": "request_information", "reason": "Pièce illisible"},
        {"number": second, "event": "approve"},
        {"number": theirs, "event": "approve"},
        {"number": second, "event": "reject", "reason": "Trop tard"},
        {"number": first, "event": "reject"},
        {"event": "approve"},
        "pas un objet",
        {"number": first, "event": "envoler"},
        {"number": first, "event": "reject", "reason": "ligne\nbrisée"},
        {"number": second, "event": "start_production"},
        {"number": second, "event": "ship", "extra": 1},
        {"number": second, "event": "ship"},
    ]
    response = client.post(f"{URL}/transitions", json=items, headers=tokens.lyon)
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [r["outcome"] for r in results] == [
        "accepted", "accepted", "rejected", "rejected", "rejected", "rejected", "rejected",
        "rejected", "rejected", "accepted", "rejected", "accepted"]
    assert [r["state"] for r in results if r["outcome"] == "accepted"] == [
        "en_attente_information", "validee", "titre_en_production", "titre_en_acheminement"]
    messages = {i: r["errors"][0]["message"] for i, r in enumerate(results) if r["errors"]}
    assert messages[2] == f"Aucun dossier d'immatriculation n° {theirs} ne vous est accessible."
    assert messages[3] == "« demande rejetée » est impossible pour un dossier « Validée »."
    assert messages[4] == ("« demande rejetée » est impossible pour un dossier « En attente "
                           "d'information ».")
    assert results[5]["errors"][0]["field"] == "number" and results[5]["number"] is None
    assert results[6]["errors"][0]["message"].startswith("Chaque mise à jour est un objet")
    assert messages[7].startswith("Événement inconnu : « envoler »")
    assert results[8]["errors"][0]["field"] == "reason"
    assert results[10]["errors"][0] == {"field": "extra", "message": "Champ inconnu : extra."}
    assert count(session, EvidenceEvent) == events + 4
    assert count(session, Transition) == steps + 4
    read = client.get(f"{URL}/{second}", headers=tokens.lyon).get_json()
    assert read["file"]["state"] == "titre_en_acheminement"
    assert [c["event"] for c in read["timeline"]][-3:] == ["approve", "start_production",
                                                           "ship"]
    # The evidence chain of a file moved three times in one call is one chain.
    chain = session.scalars(select(EvidenceEvent).where(
        EvidenceEvent.subject == f"registration:{second}").order_by(EvidenceEvent.seq)).all()
    assert [e.seq for e in chain] == list(range(1, 7))
    assert all(e.prev_hash == p.hash for p, e in zip(chain, chain[1:], strict=False))
    assert json.loads(chain[-1].document)["data"]["to"] == "titre_en_acheminement"


def test_bulk_limits(client, tokens):
    too_many = [{"number": "IMAAAAAAAAAA", "event": "approve"}] * 10_001
    response = client.post(f"{URL}/transitions", json=too_many, headers=tokens.lyon)
    assert response.status_code == 413
    assert response.get_json()["error"]["message"] == (
        "Au plus 10000 mises à jour par envoi (reçu 10001).")
    assert client.post(f"{URL}/transitions", json=[], headers=tokens.lyon).status_code == 400
    assert client.post(f"{URL}/transitions", json={}, headers=tokens.lyon).status_code == 400


@pytest.mark.parametrize(("body", "status", "message"), [
    ({"vin": "VF1RFA0006712345"}, 400, "17 caractères"),
    ({"applicant": {"name": "A\u0000B", "email": "a@example.fr"}}, 400, "U+0000"),
    ({"applicant": {"name": "\ud800", "email": "a@example.fr"}}, 400, "demi-codet"),
    ({"mandate_signed_at": "0001-01-01T00:00:00+14:00"}, 400, "instant ISO 8601"),
    ({"mandate_signed_at": "2001-01-01T00:00:00Z"}, 400, "1er janvier 2009"),
    ({"mandate_signed_at": 20261119}, 400, "instant ISO 8601"),
    ({"couleur": "rouge"}, 400, "Champ inconnu : couleur."),
    ({"procedure": ["duplicata"]}, 400, "Procédure inconnue"),
    ({"centre": "CERT-MARS"}, 400, "Centre d'instruction inconnu"),
])
def test_a_refused_filing_writes_nothing(client, session, tokens, body, status, message):
    events = count(session, EvidenceEvent)
    response = client.post(URL, json=filing(**body), headers=tokens.garage)
    assert response.status_code == status
    assert message in response.get_json()["error"]["message"]
    assert count(session, Application) == 0 and count(session, EvidenceEvent) == events


def test_unreadable_requests(client, tokens):
    h = tokens.garage
    assert client.post(URL, data="{}", headers={**h, "Content-Type": "text/plain"}
                       ).status_code == 415
    bad = client.post(URL, data=b"{", headers={**h, "Content-Type": "application/json"})
    assert bad.status_code == 400 and "JSON invalide" in bad.get_json()["error"]["message"]
    assert client.post(URL, json=[filing()], headers=h).status_code == 400
    big = client.post(URL, json=filing(national_number="x" * 70_000), headers=h)
    assert big.status_code == 413
    for query in ("after=-1", "after=abc", "after=2147483648", "limit=0", "limit=1001"):
        response = client.get(f"{URL}/changes?{query}", headers=h)
        assert response.status_code == 400, query
    number = _filed(client, h)
    body = client.post(f"{URL}/{number}/transitions", json={"number": number,
                                                            "event": "submit"}, headers=h)
    assert body.status_code == 400
    assert client.put(URL, headers=h).status_code == 405


def test_owner_mails_on_the_steps_that_need_him_through_the_smtp_server(
        client, session, tokens, inbox, send_mail):
    number = _in_review(client, tokens)  # submitted: awaiting payment, mailed
    client.post(f"{URL}/transitions", headers=tokens.lyon, json=[
        {"number": number, "event": "request_information",
         "reason": "Le certificat de cession manque"}])
    session.commit()
    assert [m.subject_ref for m in session.scalars(select(OutboxMessage))] == [
        f"registration:{number}"] * 2
    send_mail()
    assert [m["To"] for m in inbox.messages] == ["proprietaire@example.fr"] * 2
    [body] = [text for m in inbox.messages
              if "En attente d'information" in (text := m.get_body(
                  preferencelist=("plain",)).get_content())]
    assert "Motif : Le certificat de cession manque" in body
    assert "CERT de Lyon" in body


def test_several_steps_of_one_file_in_one_call_mail_its_owner_once(client, session, tokens,
                                                                   clock):
    number = _in_review(client, tokens)
    before = count(session, OutboxMessage)
    clock.set(clock.now() + timedelta(days=1))
    response = client.post(f"{URL}/transitions", headers=tokens.lyon, json=[
        {"number": number, "event": "request_information", "reason": "Pièce"},
        {"number": number, "event": "provide_information"},
        {"number": number, "event": "reject", "reason": "Faux certificat"}])
    assert [r["outcome"] for r in response.get_json()["results"]] == ["accepted"] * 3
    [mail] = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())
                             .limit(count(session, OutboxMessage) - before))
    assert mail.arguments["label"] == "Rejetée"
