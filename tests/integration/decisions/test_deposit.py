"""Deposit operation against a real database: routing, checks, duplicates, atomicity."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from notify.decisions import operations as ops
from notify.decisions.letters import letter_sha256
from notify.decisions.models import Decision, subject_of
from notify.evidence.log import append_first_events, events_of, record_event
from notify.evidence.models import Event, EventTag
from tests.conftest import depositor_id
from tests.deposits import restoration, withdrawal


def deposit(session, clock, items, **kwargs):
    return ops.deposit(session, items, depositor="test-system",
                       organisation_id=depositor_id(session), now=clock.now(), **kwargs)


def answer(results):
    return [r.as_json() for r in results]


def count(session, model=Decision):
    return session.scalar(select(func.count()).select_from(model))


# --- routing (legal-rules.md §1) --------------------------------------------------


def holder_with(account_kind, open_account, make_holder, clock):
    """A holder without account, or with an open account, possibly closing."""
    if account_kind == "none":
        return make_holder()
    account = open_account()
    if account_kind == "closure_pending":
        account.closure_requested_at = clock.now()
        account.closure_effective_at = clock.now() + timedelta(days=30)
    elif account_kind == "closure_effective":
        account.closure_requested_at = clock.now() - timedelta(days=31)
        account.closure_effective_at = clock.now() - timedelta(seconds=1)
    return account.holder


@pytest.mark.parametrize(("holder_kind", "builder", "fields", "channel"), [
    # Invalidation (48SI, R. 223-3 III): registered letter, whatever the account.
    ("open", withdrawal, {"points": 4, "balance_after": 0}, "postal_registered"),
    ("none", withdrawal, {"points": 4, "balance_after": 0}, "postal_registered"),
    # Probationary licence losing 3 points or more (48N, R. 223-4 I).
    ("open", withdrawal, {"points": 3, "balance_after": 3, "probationary": True},
     "postal_registered"),
    ("open", withdrawal, {"points": 2, "balance_after": 4, "probationary": True}, "online"),
    # Restoration after a stage (R. 223-8): simple letter under the default policy.
    ("open", restoration, {"points": 4, "balance_after": 8, "restoration_basis": "stage"},
     "postal_simple"),
    # Eligible decisions follow the account.
    ("none", withdrawal, {}, "postal_simple"),
    ("closure_effective", withdrawal, {}, "postal_simple"),
    ("closure_effective", restoration, {}, "postal_simple"),
    ("open", withdrawal, {}, "online"),
    ("open", restoration, {"restoration_basis": "L223-6-5"}, "online"),
    ("closure_pending", withdrawal, {}, "online"),
])
def test_routing_table(ctx, session, clock, open_account, make_holder, holder_kind, builder,
                       fields, channel):
    holder = holder_with(holder_kind, open_account, make_holder, clock)
    session.flush()
    [result] = deposit(session, clock, [builder("R-1", holder.licence_number, **fields)])
    assert (result.outcome, result.channel, result.errors) == ("accepted", channel, [])
    decision = session.scalar(select(Decision).where(Decision.reference == "R-1"))
    assert decision.channel == channel
    assert decision.state == ("pending_certification" if channel == "online"
                              else "awaiting_print")
    assert decision.routing_policy == "routing_stage_by_post/1"
    assert decision.routing_reason


def test_accepted_decision_is_stored_with_its_deposited_event(ctx, session, clock,
                                                               open_account):
    holder = open_account().holder
    [result] = deposit(session, clock, [withdrawal("SNPC-1", holder.licence_number)])
    assert result.channel == "online"
    decision = session.scalar(select(Decision).where(Decision.reference == "SNPC-1"))
    assert (decision.holder_id, decision.kind, decision.points, decision.balance_after,
            decision.offence_class, decision.deposited_at, decision.deposited_by) == (
        holder.id, "withdrawal", 2, 10, "C3", clock.now(), "test-system")
    [event] = events_of(session, subject_of("SNPC-1"))
    assert event.id == decision.deposit_event_id
    document = json.loads(event.document)
    assert (document["tag"], document["actor"]) == ("deposited", "api:test-system")
    assert document["data"] == {
        "channel": "online", "routing_policy": "routing_stage_by_post/1",
        "content_sha256": decision.content_sha256, "letter_sha256": decision.letter_sha256,
        "letter_version": "lettre-decision/2"}


def test_bulk_events_are_those_record_event_would_write(ctx, session, clock):
    data = {"channel": "online", "n": 1, "list": ["é", None, True]}
    [bulk_id] = append_first_events(session, subjects_data=[("decision:A", data)],
                                    tag=EventTag.DEPOSITED, actor="api:x", at=clock.now())
    single = record_event(session, subject="decision:B", tag=EventTag.DEPOSITED,
                          actor="api:x", at=clock.now(), data=data)
    bulk = session.get(Event, bulk_id)
    assert bulk.document == single.document.replace('"decision:B"', '"decision:A"')
    assert (bulk.seq, bulk.prev_hash) == (single.seq, single.prev_hash) == (1, None)


# --- bad input --------------------------------------------------------------------


@pytest.mark.parametrize(("fields", "errors"), [
    ({"points": "2"}, [("points", "nombre entier attendu")]),
    ({"points": 2.5}, [("points", "nombre entier attendu")]),
    ({"points": True}, [("points", "nombre entier attendu")]),
    ({"probationary": "false"}, [("probationary", "booléen attendu (true ou false)")]),
    ({"balance_after": None}, [("balance_after", "champ obligatoire")]),
    ({"kind": "suspension"}, [("kind", "« withdrawal » ou « restoration » attendu")]),
    ({"decided_on": "20/11/2026"}, [("decided_on", "date attendue au format AAAA-MM-JJ")]),
    ({"decided_on": "2026-02-30"}, [("decided_on", "date inexistante : 2026-02-30")]),
    ({"decided_on": "2026-11-22"}, [("decided_on", "la date ne peut pas être dans le futur")]),
    ({"offence": None}, [("offence", "obligatoire pour un retrait de points")]),
    ({"offence": {"date": "2026-10-02", "place": "", "description": "x", "class": "C6"}},
     [("offence.place", "texte non vide attendu"),
      ("offence.class", "classe inconnue (attendu : C1, C2, C3, C4, C5, DELIT)")]),
    ({"offence": {"date": "2026-11-20", "place": "Lyon", "description": "x", "class": "C1",
                  "speed": 51}}, [("offence.speed", "champ inconnu")]),
    ({"restoration_basis": "L223-6-1"},
     [("restoration_basis", "un retrait n'a pas de fondement de reconstitution")]),
    ({"reference": "bad reference!"}, [("reference", None)]),
    ({"licence_number": "12345"}, [("licence_number", "12 chiffres ou lettres majuscules "
                                                       "attendus")]),
    ({"colour": "blue"}, [("colour", "champ inconnu")]),
    # points arithmetic (notify.legal.points.check_decision)
    ({"points": 9, "balance_after": 3}, [("points", None)]),
    ({"balance_after": 13}, [("balance_after", "le solde après la décision doit être compris "
                                                "entre 0 et 12 points")]),
    ({"balance_after": 12}, [("balance_after", "après un retrait, le solde est au plus de 11 "
                                                "points")]),
])
def test_bad_items_are_rejected_precisely(ctx, session, clock, open_account, fields, errors):
    holder = open_account().holder
    [result] = deposit(session, clock, [withdrawal("R-1", holder.licence_number, **fields)])
    assert result.outcome == "rejected"
    assert result.channel is None
    got = [(p.field, p.message) for p in result.errors]
    assert [field for field, _ in got] == [field for field, _ in errors]
    for (_, message), (_, expected) in zip(got, errors, strict=True):
        if expected is not None:
            assert message == expected
    assert count(session) == 0


def test_restoration_needs_its_basis_and_no_offence(ctx, session, clock, open_account):
    holder = open_account().holder
    item = restoration("R-1", holder.licence_number, restoration_basis=None,
                       offence={"date": "2026-10-02", "place": "Lyon", "description": "x",
                                "class": "C3"})
    [result] = deposit(session, clock, [item])
    assert [(p.field, p.message) for p in result.errors] == [
        ("offence", "une reconstitution ne porte pas d'infraction"),
        ("restoration_basis", "obligatoire pour une reconstitution")]


def test_non_object_item_and_unknown_licence_number(ctx, session, clock, open_account):
    open_account()
    results = deposit(session, clock, [42, withdrawal("R-2", "ZZZZZZZZZZZZ")])
    assert answer(results) == [
        {"reference": None, "outcome": "rejected",
         "errors": [{"field": "", "message": "objet JSON attendu pour chaque décision"}]},
        {"reference": "R-2", "outcome": "rejected",
         "errors": [{"field": "licence_number",
                     "message": "numéro de permis inconnu du fichier des titulaires"}]}]


def test_balance_is_checked_against_the_latest_decision(ctx, session, clock, open_account):
    holder = open_account().holder
    licence = holder.licence_number
    assert deposit(session, clock, [withdrawal("R-1", licence, points=4, balance_after=8,
                                               decided_on="2026-11-01")])[0].outcome == \
        "accepted"
    results = deposit(session, clock, [
        # a withdrawal that raises the balance
        withdrawal("R-2", licence, points=2, balance_after=10),
        # wrong arithmetic: 8 - 3 is 5
        withdrawal("R-3", licence, points=3, balance_after=4),
        # right, then a restoration chained on it in the same request
        withdrawal("R-4", licence, points=3, balance_after=5),
        restoration("R-5", licence, points=2, balance_after=7, restoration_basis="L223-6-3"),
        restoration("R-6", licence, points=1, balance_after=6, restoration_basis="L223-6-3"),
    ])
    assert [(r.reference, r.outcome) for r in results] == [
        ("R-2", "rejected"), ("R-3", "rejected"), ("R-4", "accepted"), ("R-5", "rejected"),
        ("R-6", "accepted")]
    assert results[0].errors[0].message == "un retrait ne peut pas augmenter le solde"
    assert results[1].errors[0].message == ("solde incohérent : 8 points moins 3 points "
                                            "retirés donne 5 points, et non 4")
    assert results[3].errors[0].field == "points"  # L223-6-3 restores a single point


def test_an_older_decision_is_checked_against_the_balance_of_its_date(ctx, session, clock,
                                                                      open_account):
    licence = open_account().holder.licence_number
    offence = {"date": "2025-12-01", "place": "Paris", "description": "Feu rouge",
               "class": "C4"}
    deposit(session, clock, [
        withdrawal("R-1", licence, points=2, balance_after=10, decided_on="2026-01-10",
                   offence=offence),
        withdrawal("R-2", licence, points=4, balance_after=6, decided_on="2026-06-10",
                   offence=offence),
    ])
    # Deposited late, dated between the two: 10 - 1 = 9, not 6 - 1.
    [late] = deposit(session, clock, [withdrawal("R-0", licence, points=1, balance_after=9,
                                                 decided_on="2026-03-01", offence=offence)])
    assert late.outcome == "accepted", late.errors


# --- duplicates and conflicts -----------------------------------------------------


def test_same_decision_again_is_a_duplicate_answered_the_same(ctx, session, clock,
                                                              open_account):
    licence = open_account().holder.licence_number
    items = [withdrawal("R-1", licence), restoration("R-2", licence)]
    first = answer(deposit(session, clock, items))
    clock.advance(timedelta(hours=1))
    again = answer(deposit(session, clock, items))
    assert [a["outcome"] for a in first] == ["accepted", "accepted"]
    assert again == [{**a, "outcome": "duplicate"} for a in first]
    assert count(session) == 2
    assert session.scalar(select(func.count()).select_from(Event)
                          .where(Event.tag == "deposited")) == 2


def test_same_reference_other_content_is_rejected(ctx, session, clock, open_account):
    licence = open_account().holder.licence_number
    deposit(session, clock, [withdrawal("R-1", licence)])
    results = deposit(session, clock, [
        withdrawal("R-1", licence, offence={"date": "2026-10-02", "place": "Lyon (69)",
                                            "description": "Autre", "class": "C3"}),
        restoration("R-9", licence, points=2, balance_after=12),
        restoration("R-9", licence, points=1, balance_after=11),
        restoration("R-9", licence, points=2, balance_after=12),
    ])
    assert [(r.outcome, r.channel) for r in results] == [
        ("rejected", None), ("accepted", "online"), ("rejected", None), ("duplicate", "online")]
    assert results[0].errors[0].field == "reference"
    assert results[2].errors[0].message == ("référence déjà utilisée pour une décision au "
                                            "contenu différent")


def test_normalised_content_is_the_same_decision(ctx, session, clock, open_account):
    licence = open_account().holder.licence_number
    deposit(session, clock, [withdrawal("R-1", licence)])
    spaced = " ".join([licence[:4], licence[4:8], licence[8:]]).lower()
    [result] = deposit(session, clock, [withdrawal("R-1", spaced)])
    assert result.outcome == "duplicate"


# --- all or nothing ---------------------------------------------------------------


def test_a_database_failure_stores_nothing_of_the_deposit(ctx, session, clock, open_account,
                                                          make_holder):
    """A concurrent deposit of R-2 lands after our checks: the decisions' insert (the
    second statement, after the events') fails on the real unique constraint, and the
    whole deposit, R-1 and its event included, is rolled back."""
    account = open_account()
    licence = account.holder.licence_number
    session.commit()

    def racing_letter_hash(facts):
        if facts.reference == "R-2":
            other = record_event(session, subject="other:race", tag=EventTag.DEPOSITED,
                                 actor="api:other", at=clock.now())
            session.add(Decision(
                reference="R-2", holder_id=account.holder_id, kind="restoration",
                decided_on=clock.now().date(), content_sha256="0" * 64, channel="online",
                routing_reason="-", routing_policy="-", deposited_at=clock.now(),
                deposited_by="other", organisation_id=depositor_id(session),
                deposit_event_id=other.id, letter_sha256="0" * 64,
                state="pending_certification"))
            session.flush()
        return letter_sha256(facts)

    with pytest.raises(IntegrityError):
        deposit(session, clock, [withdrawal("R-1", licence), restoration("R-2", licence)],
                letter_hash=racing_letter_hash)
    session.rollback()
    assert count(session) == 0
    assert session.scalar(select(func.count()).select_from(Event)
                          .where(Event.tag == "deposited")) == 0


@pytest.mark.parametrize("enabled_before", [True, False])
def test_the_garbage_collector_is_left_as_it_was(ctx, session, clock, enabled_before):
    import gc

    (gc.enable if enabled_before else gc.disable)()
    try:
        ops.deposit(session, [{"reference": "X"}], depositor="t",
                    organisation_id=depositor_id(session), now=clock.now())
        with pytest.raises(TypeError):
            ops.deposit(session, None, depositor="t", organisation_id=depositor_id(session),
                        now=clock.now())
        assert gc.isenabled() is enabled_before
    finally:
        gc.enable()
