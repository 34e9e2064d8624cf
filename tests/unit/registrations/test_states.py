"""The registration state machine, over every state × event × actor."""

import itertools
from datetime import UTC, datetime

import pytest

from notify.errors import Conflict, InvalidInput, NotAllowed
from notify.registrations.guidance import guidance
from notify.registrations.states import (
    FINAL_STATES,
    TRANSITIONS,
    ActorKind,
    Event,
    InformationService,
    State,
    apply,
    events_from,
)

S, E, A = State, Event, ActorKind

# The expected table, written out independently of TRANSITIONS: (from, event) -> to.
EXPECTED = {
    (S.TO_COMPLETE, E.SUBMIT): S.AWAITING_PAYMENT,
    (S.AWAITING_PAYMENT, E.RECORD_PAYMENT): S.UNDER_REVIEW,
    (S.UNDER_REVIEW, E.REQUEST_INFORMATION): S.AWAITING_INFORMATION,
    (S.UNDER_REVIEW, E.REQUEST_TAX_INFORMATION): S.AWAITING_INFORMATION,
    (S.AWAITING_INFORMATION, E.PROVIDE_INFORMATION): S.UNDER_REVIEW,
    (S.UNDER_REVIEW, E.REJECT): S.REJECTED,
    (S.UNDER_REVIEW, E.APPROVE): S.APPROVED,
    (S.APPROVED, E.START_PRODUCTION): S.IN_PRODUCTION,
    (S.IN_PRODUCTION, E.SHIP): S.IN_TRANSIT,
    (S.IN_TRANSIT, E.DELIVER): S.DELIVERED,
    (S.IN_TRANSIT, E.LEAVE_NOTICE): S.DELIVERY_NOTICE,
    (S.DELIVERY_NOTICE, E.DELIVER): S.DELIVERED,
    (S.DELIVERY_NOTICE, E.RETURN_TO_SENDER): S.RETURNED,
    (S.RETURNED, E.SHIP_AGAIN): S.IN_TRANSIT,
    (S.TO_COMPLETE, E.ABANDON): S.ABANDONED,
    (S.AWAITING_PAYMENT, E.ABANDON): S.ABANDONED,
    (S.UNDER_REVIEW, E.ABANDON): S.ABANDONED,
    (S.AWAITING_INFORMATION, E.ABANDON): S.ABANDONED,
}
REASON_REQUIRED = {E.REQUEST_INFORMATION, E.REQUEST_TAX_INFORMATION, E.REJECT, E.ABANDON}
INSTRUCTING = {A.CENTRE, A.STAFF}
EXPECTED_ACTORS = {
    E.SUBMIT: {A.OWNER, A.PROVIDER, A.STAFF},
    E.RECORD_PAYMENT: {A.OWNER, A.PROVIDER, A.STAFF, A.SYSTEM},
    E.REQUEST_INFORMATION: INSTRUCTING,
    E.REQUEST_TAX_INFORMATION: INSTRUCTING | {A.SYSTEM},
    E.PROVIDE_INFORMATION: {A.OWNER, A.PROVIDER} | INSTRUCTING,
    E.REJECT: INSTRUCTING,
    E.APPROVE: INSTRUCTING,
    E.START_PRODUCTION: INSTRUCTING | {A.SYSTEM},
    E.SHIP: INSTRUCTING | {A.SYSTEM},
    E.LEAVE_NOTICE: INSTRUCTING | {A.SYSTEM},
    E.DELIVER: INSTRUCTING | {A.SYSTEM},
    E.RETURN_TO_SENDER: INSTRUCTING | {A.SYSTEM},
    E.SHIP_AGAIN: INSTRUCTING,
    E.ABANDON: {A.OWNER, A.PROVIDER} | INSTRUCTING,
}


def test_the_table_is_the_expected_one():
    assert {key: rule.to for key, rule in TRANSITIONS.items()} == EXPECTED


@pytest.mark.parametrize(("state", "event", "actor"),
                         list(itertools.product(State, Event, ActorKind)))
def test_every_state_event_actor(state, event, actor):
    reason = "pièce manquante" if event in REASON_REQUIRED else None
    key = (state, event)
    if key not in EXPECTED:
        with pytest.raises(Conflict) as refused:
            apply(state, event, actor, reason)
        if state in FINAL_STATES:
            assert "clos" in refused.value.message
        return
    if actor not in EXPECTED_ACTORS[event]:
        with pytest.raises(NotAllowed, match="ne peut pas enregistrer"):
            apply(state, event, actor, reason)
        return
    step = apply(state, event, actor, reason)
    assert (step.from_state, step.to_state, step.actor) == (state, EXPECTED[key], actor)
    assert step.reason == reason


@pytest.mark.parametrize("key", sorted(k for k in EXPECTED if k[1] in REASON_REQUIRED))
def test_a_reason_is_required_where_the_table_says(key):
    state, event = key
    actor = next(iter(EXPECTED_ACTORS[event]))
    for missing in (None, "", "   "):
        with pytest.raises(InvalidInput, match="motif est obligatoire") as refused:
            apply(state, event, actor, missing)
        assert refused.value.field == "reason"
    with pytest.raises(InvalidInput, match="1000 caractères"):
        apply(state, event, actor, "x" * 1001)


def test_final_states_have_no_way_out():
    assert {s for (s, _e) in TRANSITIONS} & FINAL_STATES == set()


def test_information_requests_name_their_service():
    assert apply(S.UNDER_REVIEW, E.REQUEST_TAX_INFORMATION, A.CENTRE, "quitus").\
        information_service == InformationService.TAX
    assert apply(S.UNDER_REVIEW, E.REQUEST_INFORMATION, A.CENTRE, "pièce").\
        information_service == InformationService.REGISTRATION
    assert apply(S.UNDER_REVIEW, E.APPROVE, A.CENTRE).information_service is None


def test_events_from_lists_what_an_actor_may_do():
    assert events_from(S.UNDER_REVIEW, A.PROVIDER) == [E.ABANDON]
    assert set(events_from(S.UNDER_REVIEW, A.CENTRE)) == {
        E.REQUEST_INFORMATION, E.REQUEST_TAX_INFORMATION, E.REJECT, E.APPROVE, E.ABANDON}


@pytest.mark.parametrize("state", list(State))
def test_guidance_says_something_for_every_state(state):
    at = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    advice = guidance(state, at)
    assert advice.meaning
    assert advice.finished == (state in FINAL_STATES)
    if state == S.DELIVERY_NOTICE:
        assert (advice.due_at - at).days == 15
    if state == S.APPROVED:
        assert (advice.due_at - at).days == 30
