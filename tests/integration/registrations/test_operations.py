"""Registration operations on the real databases: actors, idempotency, transitions,
bulk updates, providers' status, tracking, e-mails through the loopback SMTP server."""

from __future__ import annotations

import itertools
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from notify.auth.throttle import LoginLimits, forget_login_failures
from notify.errors import (
    Conflict,
    InvalidInput,
    NotAllowed,
    NotFound,
    PayloadTooLarge,
    TooManyAttempts,
)
from notify.evidence.log import event_row
from notify.evidence.models import Event as EvidenceEvent
from notify.evidence.models import EventTag
from notify.mail.models import OutboxMessage
from notify.registrations import operations as reg
from notify.registrations.models import Application, ProviderStatusChange, Transition

BASE = "https://notify.test"


def _move(session, clock, actor, number, *events, reason="motif"):
    for event in events:
        reg.transition(session, actor, number, event, now=clock.now(), base_url=BASE,
                       reason=reason)


def _outbox(session, kind="registration_update"):
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)
                                .order_by(OutboxMessage.id)))


def test_a_provider_files_and_gets_a_tracking_code_once(ctx, session, clock,
                                                        registration_world):
    filed = registration_world.file()
    application = filed.application
    assert not filed.duplicate and filed.tracking_code
    assert application.number.startswith("IM") and len(application.number) == 12
    assert application.tracking_code_sha256 != filed.tracking_code
    assert application.state == "a_completer"
    assert application.transmit_by_at - application.mandate_signed_at == timedelta(days=15)
    [event] = session.scalars(select(EvidenceEvent).where(
        EvidenceEvent.subject == f"registration:{application.number}"))
    document = json.loads(event.document)
    assert (event.tag, event.actor) == ("registration_filed",
                                        f"provider:{registration_world.garage.id}")
    assert document["data"]["vin"] == "VF1RFA00067123456"
    assert "Camille" not in event.document and "example.fr" not in event.document

    again = registration_world.file(provider_reference=filed.application.provider_reference)
    assert again.duplicate and again.tracking_code is None
    assert again.application.id == application.id
    with pytest.raises(Conflict, match="contenu différent"):
        registration_world.file(provider_reference=application.provider_reference,
                                plate="AB-124-CD")
    # The same reference is another provider's own: no clash.
    registration_world.file(registration_world.other_actor,
                            provider_reference=application.provider_reference)


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"procedure": "vol"}, "procedure", "Procédure inconnue"),
    ({"vin": "VF1RFA0006712345"}, "vin", "17 caractères"),
    ({"plate": "AB-000-CD"}, "plate", "000"),
    ({"plate": None}, "plate", "numéro d'immatriculation est obligatoire"),
    ({"applicant": {"name": "X", "email": "pas-une-adresse"}}, "applicant.email",
     "adresse électronique valide"),
    ({"provider_reference": ""}, "provider_reference", "référence du professionnel"),
    ({"mandate_signed_at": None}, "mandate_signed_at", "mandat est obligatoire"),
    ({"mandate_signed_at": "hier"}, "mandate_signed_at", "ISO 8601"),
    ({"mandate_signed_at": "2027-01-01T00:00:00Z"}, "mandate_signed_at", "futur"),
    ({"centre": "CERT-MARS"}, "centre", "Centre d'instruction inconnu"),
    ({"procedure": "immatriculation_provisoire_ww", "plate": "AB-123-CD"}, "plate",
     "WW-123-AA"),
])
def test_filing_refuses_bad_input_precisely(ctx, session, registration_world, overrides,
                                            field, message):
    with pytest.raises(InvalidInput, match=message) as refused:
        registration_world.file(**overrides)
    assert refused.value.field == field
    assert session.scalar(select(func.count()).select_from(Application)) == 0


def test_only_providers_and_the_administration_file(ctx, registration_world):
    with pytest.raises(NotAllowed):
        registration_world.file(registration_world.lyon_actor)
    filed = registration_world.file(registration_world.staff, provider_reference=None,
                                    mandate_signed_at=None)
    assert filed.application.provider_id is None


def test_each_actor_reaches_only_its_own_files(ctx, session, clock, registration_world):
    w = registration_world
    number = w.file().application.number
    for stranger in (w.other_actor, w.paris_actor, reg.Actor.owner(-1)):
        with pytest.raises(NotFound, match=number):
            reg.read_application(session, stranger, number)
        with pytest.raises(NotFound):
            reg.submit(session, stranger, number, now=clock.now(), base_url=BASE)
    for allowed in (w.garage_actor, w.lyon_actor, w.staff):
        assert reg.read_application(session, allowed, number).application.number == number
    unknown_org = reg.Actor.provider(999_999)
    with pytest.raises(NotAllowed, match="professionnel habilité"):
        reg.read_application(session, unknown_org, number)


def test_only_staff_assign_a_file_to_a_centre_and_it_is_recorded(ctx, session, clock,
                                                                 registration_world):
    w = registration_world
    number = w.file().application.number
    for actor in (w.garage_actor, w.lyon_actor):
        with pytest.raises(NotAllowed, match="Seule l'administration"):
            reg.assign_centre(session, actor, number, "CERT-PARIS", now=clock.now())
    with pytest.raises(InvalidInput, match="CERT-NULLEPART"):
        reg.assign_centre(session, w.staff, number, "CERT-NULLEPART", now=clock.now())

    application = reg.assign_centre(session, w.staff, number, "CERT-PARIS", now=clock.now())
    # Moved: Paris now reaches the file, Lyon no longer does.
    assert reg.read_application(session, w.paris_actor, number).application.id == application.id
    with pytest.raises(NotFound):
        reg.read_application(session, w.lyon_actor, number)
    event = session.scalars(select(EvidenceEvent).where(
        EvidenceEvent.subject == application.subject).order_by(EvidenceEvent.seq)).all()[-1]
    assert event.tag == "registration_assigned"
    assert json.loads(event.document)["data"] == {"centre": "CERT-PARIS"}


def test_a_file_through_its_whole_life_with_evidence_and_mails(ctx, session, clock,
                                                              registration_world):
    w = registration_world
    application = w.file().application
    number = application.number
    reg.submit(session, w.garage_actor, number, now=clock.now(), base_url=BASE)
    clock.advance(timedelta(hours=2))
    reg.record_payment(session, w.garage_actor, number, now=clock.now(), base_url=BASE)
    clock.advance(timedelta(days=3))
    _move(session, clock, w.lyon_actor, number, "request_tax_information",
          reason="Quitus fiscal manquant")
    assert (application.state, application.information_service) == (
        "en_attente_information", "dgfip")
    clock.advance(timedelta(days=1))
    _move(session, clock, w.garage_actor, number, "provide_information", reason=None)
    assert application.information_service is None
    for event in ("approve", "start_production", "ship", "leave_notice", "deliver"):
        clock.advance(timedelta(days=1))
        _move(session, clock, w.lyon_actor, number, event, reason=None)
    assert application.state == "distribue"
    with pytest.raises(Conflict, match="clos"):
        _move(session, clock, w.lyon_actor, number, "ship")

    rows = session.scalars(select(Transition).where(Transition.application_id == application.id)
                           .order_by(Transition.id)).all()
    assert [r.to_state for r in rows] == [
        "a_completer", "en_attente_paiement", "en_instruction", "en_attente_information",
        "en_instruction", "validee", "titre_en_production", "titre_en_acheminement",
        "avis_de_passage", "distribue"]
    assert rows[2].seconds_in_previous == 2 * 3600
    events = session.scalars(select(EvidenceEvent).where(
        EvidenceEvent.subject == f"registration:{number}").order_by(EvidenceEvent.seq)).all()
    assert [e.seq for e in events] == list(range(1, 11))
    assert all(e.prev_hash == p.hash for p, e in zip(events, events[1:], strict=False))
    assert json.loads(events[3].document)["data"]["reason"] == "Quitus fiscal manquant"
    assert events[3].actor == f"centre:{w.lyon.id}"
    # Mailed: awaiting payment, awaiting information, delivery notice, delivered.
    mails = _outbox(session)
    assert len(mails) == 4
    assert all(m.to_address == "proprietaire@example.fr" for m in mails)
    assert "Quitus fiscal manquant" in mails[1].bodies()[0]
    assert "CERT de Lyon" in mails[1].bodies()[0]
    assert all("https://notify.test/immatriculation/suivi\n" in m.bodies()[0] for m in mails)
    assert all(number not in m.subject for m in mails)


def test_a_refused_step_writes_nothing(ctx, session, clock, registration_world):
    w = registration_world
    application = w.file().application
    with pytest.raises(NotAllowed, match="Le centre d'instruction ne peut pas"):
        _move(session, clock, w.lyon_actor, application.number, "submit")
    with pytest.raises(Conflict, match="impossible pour un dossier « À compléter »"):
        _move(session, clock, w.garage_actor, application.number, "approve")
    with pytest.raises(InvalidInput, match="motif est obligatoire"):
        _move(session, clock, w.garage_actor, application.number, "abandon", reason=" ")
    with pytest.raises(InvalidInput, match="Événement inconnu"):
        _move(session, clock, w.garage_actor, application.number, "teleport")
    assert session.scalar(select(func.count()).select_from(Transition)) == 1
    assert application.state == "a_completer"


def test_a_file_moved_meanwhile_is_not_moved_twice(ctx, session, clock, registration_world):
    w = registration_world
    application = w.file().application
    loaded = session.get(Application, application.id)
    # Another writer moved it since this session read it.
    session.execute(Application.__table__.update().where(
        Application.__table__.c.id == application.id).values(state="en_attente_paiement"))
    assert loaded.state == "a_completer"
    # A step reads the file afresh (locked on PostgreSQL), never the ORM's stale copy.
    with pytest.raises(Conflict, match="impossible pour un dossier « En attente de paie"):
        reg.submit(session, w.garage_actor, application.number, now=clock.now(),
                   base_url=BASE)


def test_owner_opt_out_stops_mails_for_that_file_only(ctx, session, clock,
                                                      registration_world):
    w = registration_world
    quiet, loud = w.file().application, w.file().application
    reg.set_owner_mail(session, quiet, False)
    for application in (quiet, loud):
        reg.submit(session, w.garage_actor, application.number, now=clock.now(),
                   base_url=BASE)
    assert [m.subject_ref for m in _outbox(session)] == [loud.subject]


def test_bulk_updates_answer_every_item(ctx, session, clock, registration_world):
    w = registration_world
    first, second, theirs = (w.file().application, w.file().application,
                             w.file(w.other_actor).application)
    results = reg.bulk_transition(session, w.garage_actor, [
        {"number": first.number, "event": "submit"},
        {"number": second.number, "event": "record_payment"},
        {"number": theirs.number, "event": "submit"},
        {"number": second.number, "event": "abandon"},
        {"event": "submit"},
        "not an object",
        {"number": second.number, "event": "abandon", "reason": "Vente annulée"},
    ], now=clock.now(), base_url=BASE)
    assert [r.outcome for r in results] == ["accepted", "rejected", "rejected", "rejected",
                                            "rejected", "rejected", "accepted"]
    assert results[0].to_state == "en_attente_paiement"
    assert "impossible pour un dossier" in results[1].errors[0]["message"]
    assert "Aucun dossier" in results[2].errors[0]["message"]
    assert results[3].errors[0] == {"field": "reason",
                                    "message": "Un motif est obligatoire pour « demande "
                                               "classée sans suite »."}
    assert results[4].errors[0]["field"] == "number"
    assert results[6].as_json()["state"] == "sans_suite"
    assert theirs.state == "a_completer"
    assert session.scalar(select(func.count()).select_from(Transition)) == 3 + 2
    with pytest.raises(PayloadTooLarge, match="10000"):
        reg.bulk_transition(session, w.garage_actor, [{}] * 10_001, now=clock.now(),
                            base_url=BASE)


def test_bulk_steps_chain_events_as_the_general_writer_would(ctx, session, clock,
                                                              registration_world):
    w = registration_world
    first, second = w.file().application, w.file().application
    items = [{"number": first.number, "event": "submit"},
             {"number": second.number, "event": "submit"},
             {"number": first.number, "event": "abandon",
              "reason": " Vente « annulée » : \"non\" \\ 😀 e\u0301 "}]
    results = reg.bulk_transition(session, w.garage_actor, items, now=clock.now(),
                                  base_url=BASE)
    assert [r.outcome for r in results] == ["accepted"] * 3
    for application in (first, second):
        for previous, event in itertools.pairwise(chain_of(session, application)):
            data = json.loads(event.document)["data"]
            expected = event_row(subject=event.subject, seq=previous.seq + 1,
                                 prev_hash=previous.hash, tag=EventTag(event.tag),
                                 actor=w.garage_actor.label, at=clock.now(), data=data)
            assert (event.seq, event.document, event.hash, event.prev_hash,
                    event.occurred_at) == (expected["seq"], expected["document"],
                                           expected["hash"], expected["prev_hash"],
                                           clock.now())
    last = json.loads(chain_of(session, first)[-1].document)["data"]
    assert last == {"event": "abandon", "from": "en_attente_paiement", "to": "sans_suite",
                    "reason": "Vente « annulée » : \"non\" \\ 😀 \u00e9", "service": None}
    steps = session.scalars(select(Transition).where(Transition.application_id == first.id)
                            .order_by(Transition.id)).all()
    assert [(t.event, t.evidence_event_id) for t in steps[1:]] == [
        ("submit", chain_of(session, first)[1].id), ("abandon", chain_of(session, first)[2].id)]


def test_a_file_moved_meanwhile_makes_the_call_write_nothing(ctx, session, clock,
                                                             registration_world,
                                                             monkeypatch):
    w = registration_world
    application = w.file().application
    before = session.scalar(select(func.count()).select_from(Transition))
    decide = reg.states.apply

    def moved_meanwhile(*args, **kwargs):
        # a writer that ignored the row lock moves the file after the call read it
        session.execute(Application.__table__.update().where(
            Application.__table__.c.id == application.id).values(state="sans_suite"))
        return decide(*args, **kwargs)

    monkeypatch.setattr(reg.states, "apply", moved_meanwhile)
    with pytest.raises(Conflict, match="changé entre-temps"):
        reg.bulk_transition(session, w.garage_actor,
                            [{"number": application.number, "event": "submit"}],
                            now=clock.now(), base_url=BASE)
    assert session.scalar(select(func.count()).select_from(Transition)) == before


def chain_of(session, application):
    return list(session.scalars(select(EvidenceEvent).where(
        EvidenceEvent.subject == application.subject).order_by(EvidenceEvent.seq)))


def test_changes_since_a_cursor_are_the_actors_own(ctx, session, clock, registration_world):
    w = registration_world
    mine = w.file().application
    w.file(w.other_actor, centre="CERT-PARIS")
    changes, cursor = reg.changes_since(session, w.garage_actor, 0)
    assert [(c.number, c.event) for c in changes] == [(mine.number, "filed")]
    reg.submit(session, w.garage_actor, mine.number, now=clock.now(), base_url=BASE)
    changes, cursor2 = reg.changes_since(session, w.garage_actor, cursor)
    assert [(c.number, c.from_state, c.to_state) for c in changes] == [
        (mine.number, "a_completer", "en_attente_paiement")]
    assert reg.changes_since(session, w.garage_actor, cursor2) == ([], cursor2)
    assert len(reg.changes_since(session, w.staff, 0)[0]) == 3
    assert len(reg.changes_since(session, w.paris_actor, 0)[0]) == 1
    with pytest.raises(InvalidInput):
        reg.changes_since(session, w.staff, 0, limit=0)


# --- providers ----------------------------------------------------------------------


def _provider_id(session, world):
    return reg.provider_of(session, world.garage_actor).id


def test_a_suspended_provider_may_not_act_and_its_owners_are_told(ctx, session, clock,
                                                                  registration_world):
    w = registration_world
    ongoing = w.file(email="a@example.fr").application
    opted_out = w.file(email="b@example.fr").application
    reg.set_owner_mail(session, opted_out, False)
    done = w.file(email="c@example.fr").application
    _move(session, clock, w.garage_actor, done.number, "abandon")
    provider_id = _provider_id(session, w)
    until = clock.now().date() + timedelta(days=30)
    with pytest.raises(NotAllowed):
        reg.suspend_provider(session, w.garage_actor, provider_id, reason="x",
                             legal_ground="fraud", until=until, now=clock.now(), base_url=BASE)
    with pytest.raises(InvalidInput, match="Fondement juridique inconnu"):
        reg.suspend_provider(session, w.staff, provider_id, reason="x", legal_ground="humeur",
                             until=until, now=clock.now(), base_url=BASE)
    with pytest.raises(InvalidInput, match="motif est obligatoire"):
        reg.suspend_provider(session, w.staff, provider_id, reason=" ",
                             legal_ground="negligence", until=until, now=clock.now(),
                             base_url=BASE)
    reg.suspend_provider(session, w.staff, provider_id, reason="Pièces non vérifiées",
                         legal_ground="negligence", until=until, now=clock.now(),
                         base_url=BASE)
    session.refresh(ongoing)
    session.refresh(done)
    assert ongoing.provider_flag.startswith("Habilitation du professionnel suspendue")
    assert done.provider_flag is None
    assert [m.to_address for m in _outbox(session, "registration_provider")] == ["a@example.fr"]

    with pytest.raises(NotAllowed, match="suspendue jusqu'au") as refused:
        reg.submit(session, w.garage_actor, ongoing.number, now=clock.now(), base_url=BASE)
    assert "négligence" in refused.value.message
    with pytest.raises(NotAllowed, match="suspendue"):
        w.file()
    # The centre still works on the file.
    reg.read_application(session, w.lyon_actor, ongoing.number)

    # After the last day of the suspension, the provider acts again.
    clock.advance(timedelta(days=31))
    reg.submit(session, w.garage_actor, ongoing.number, now=clock.now(), base_url=BASE)

    reg.reinstate_provider(session, w.staff, provider_id, reason="Décision du préfet",
                           legal_ground="conditions_met_again", now=clock.now(), base_url=BASE)
    session.refresh(ongoing)
    assert ongoing.provider_flag is None
    with pytest.raises(Conflict, match="actif"):
        reg.reinstate_provider(session, w.staff, provider_id, reason="x",
                               legal_ground="conditions_met_again", now=clock.now(),
                               base_url=BASE)
    reg.withdraw_provider(session, w.staff, provider_id, reason="Fraude avérée",
                          legal_ground="fraud", now=clock.now(), base_url=BASE)
    with pytest.raises(NotAllowed, match="retirée"):
        w.file()
    with pytest.raises(Conflict, match="retiré"):
        reg.reinstate_provider(session, w.staff, provider_id, reason="x",
                               legal_ground="sanction_annulled", now=clock.now(),
                               base_url=BASE)
    history = reg.provider_history(session, provider_id)
    assert [(h.status, h.legal_ground) for h in history] == [
        ("suspended", "negligence"), ("active", "conditions_met_again"),
        ("withdrawn", "fraud")]
    events = session.scalars(select(EvidenceEvent.tag).where(
        EvidenceEvent.subject == "registration-provider:HAB-69-0001")).all()
    assert events == ["provider_status_changed"] * 3
    assert session.scalar(select(func.count()).select_from(ProviderStatusChange)) == 3


def test_a_suspension_needs_an_end_date(ctx, session, clock, registration_world):
    with pytest.raises(InvalidInput, match="date de fin") as refused:
        reg.suspend_provider(session, registration_world.staff,
                             _provider_id(session, registration_world), reason="x",
                             legal_ground="fraud", until=date(2020, 1, 1), now=clock.now(),
                             base_url=BASE)
    assert refused.value.field == "until"


# --- the owner ----------------------------------------------------------------------


LIMITS = LoginLimits(per_principal=3, per_address=5, window=timedelta(minutes=15))


def test_tracking_with_the_right_and_wrong_codes(ctx, session, clock, registration_world):
    filed = registration_world.file()
    number = filed.application.number
    found = reg.track(session, number.lower(), filed.tracking_code.lower().replace("-", ""),
                      address="192.0.2.1", now=clock.now(), limits=LIMITS)
    assert found.id == filed.application.id
    with pytest.raises(InvalidInput, match="incorrect"):
        reg.track(session, number, "AAAA-BBBB-CCCC-DDDD", address="192.0.2.1",
                  now=clock.now(), limits=LIMITS)
    with pytest.raises(InvalidInput, match="incorrect"):
        reg.track(session, "IMNOTAFILE00", filed.tracking_code, address="192.0.2.1",
                  now=clock.now(), limits=LIMITS)


def test_tracking_is_throttled_per_number_then_per_address(ctx, session, clock,
                                                           registration_world):
    filed = registration_world.file()
    number = filed.application.number
    for i in range(3):
        with pytest.raises(InvalidInput):
            reg.track(session, number, "WRONG", address=f"192.0.2.{i}", now=clock.now(),
                      limits=LIMITS)
    with pytest.raises(TooManyAttempts, match="15 minutes"):
        reg.track(session, number, filed.tracking_code, address="198.51.100.9",
                  now=clock.now(), limits=LIMITS)
    for i in range(5):
        with pytest.raises(InvalidInput):
            reg.track(session, f"IMGUESS{i:05d}", "WRONG", address="203.0.113.7",
                      now=clock.now(), limits=LIMITS)
    other = registration_world.file()
    with pytest.raises(TooManyAttempts):
        reg.track(session, other.application.number, other.tracking_code,
                  address="203.0.113.7", now=clock.now(), limits=LIMITS)
    clock.advance(timedelta(minutes=16))
    assert reg.track(session, number, filed.tracking_code, address="198.51.100.9",
                     now=clock.now(), limits=LIMITS).id == filed.application.id
    assert forget_login_failures(session, clock.now(), LIMITS) == 8


def test_the_holder_sees_the_files_filed_under_his_address(ctx, session, clock, open_account,
                                                           registration_world):
    account = open_account(email="titulaire@example.fr")
    linked = registration_world.file(email="titulaire@example.fr").application
    assert linked.account_id == account.id
    registration_world.file(email="quelquun@example.fr")
    assert [a.number for a in reg.files_of_account(session, account)] == [linked.number]
    assert reg.file_of_account(session, account, linked.number).application.id == linked.id
    _move(session, clock, registration_world.garage_actor, linked.number, "abandon")
    assert [a.number for a in reg.files_of_account(session, account)] == [linked.number]
    other = registration_world.file(email="autre@example.fr").application
    with pytest.raises(NotFound):
        reg.file_of_account(session, account, other.number)


def test_owner_mails_reach_the_smtp_server(ctx, session, clock, registration_world, inbox,
                                           send_mail):
    w = registration_world
    application = w.file().application
    reg.submit(session, w.garage_actor, application.number, now=clock.now(), base_url=BASE)
    session.commit()
    send_mail()
    [message] = inbox.messages
    assert message["To"] == "proprietaire@example.fr"
    assert message["Subject"] == reg.UPDATE_SUBJECT
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "En attente de paiement" in body
    assert "https://notify.test/immatriculation/suivi" in body
