import pytest
from hypothesis import given
from hypothesis import strategies as st

from notify.legal.points import DecisionKind, RestorationBasis
from notify.legal.policies import (
    DEFAULT_ROUTING_POLICY,
    ROUTING_STAGE_BY_POST,
    ROUTING_STAGE_ONLINE,
)
from notify.legal.routing import Channel, DecisionFacts, route


def withdrawal(points, balance_after, probationary=False):
    return DecisionFacts("withdrawal", points, balance_after, probationary)


def restoration(basis, points=1, balance_after=12):
    return DecisionFacts("restoration", points, balance_after, False, basis)


CASES = [
    pytest.param(
        withdrawal(4, 0),
        True,
        DEFAULT_ROUTING_POLICY,
        "postal_registered",
        "48SI",
        id="invalidation-with-account",
    ),
    pytest.param(
        withdrawal(4, 0),
        False,
        DEFAULT_ROUTING_POLICY,
        "postal_registered",
        "48SI",
        id="invalidation-without-account",
    ),
    pytest.param(
        withdrawal(6, 0, probationary=True),
        True,
        DEFAULT_ROUTING_POLICY,
        "postal_registered",
        "48SI",
        id="invalidation-probationary",
    ),
    pytest.param(
        withdrawal(3, 3, probationary=True),
        True,
        DEFAULT_ROUTING_POLICY,
        "postal_registered",
        "48N",
        id="probationary-3-points",
    ),
    pytest.param(
        withdrawal(4, 4, probationary=True),
        False,
        DEFAULT_ROUTING_POLICY,
        "postal_registered",
        "R. 223-4 I",
        id="probationary-4-points-no-account",
    ),
    pytest.param(
        withdrawal(2, 4, probationary=True),
        True,
        DEFAULT_ROUTING_POLICY,
        "online",
        "compte personnel",
        id="probationary-2-points",
    ),
    pytest.param(
        withdrawal(2, 4, probationary=True),
        False,
        DEFAULT_ROUTING_POLICY,
        "postal_simple",
        "pas de compte personnel actif",
        id="probationary-2-points-no-account",
    ),
    pytest.param(
        withdrawal(4, 8), True, DEFAULT_ROUTING_POLICY, "online", "R. 223-3-1", id="lettre-48"
    ),
    pytest.param(
        withdrawal(6, 6), True, DEFAULT_ROUTING_POLICY, "online", "R. 223-3-1", id="lettre-48M"
    ),
    pytest.param(
        withdrawal(1, 1), True, DEFAULT_ROUTING_POLICY, "online", "R. 223-3-1", id="balance-1"
    ),
    pytest.param(
        withdrawal(4, 8),
        False,
        DEFAULT_ROUTING_POLICY,
        "postal_simple",
        "R. 223-3 III",
        id="no-account",
    ),
    pytest.param(
        restoration("L223-6-1", 4),
        True,
        DEFAULT_ROUTING_POLICY,
        "online",
        "compte personnel",
        id="two-years",
    ),
    pytest.param(
        restoration("L223-6-2", 6),
        True,
        DEFAULT_ROUTING_POLICY,
        "online",
        "compte personnel",
        id="three-years",
    ),
    pytest.param(
        restoration("L223-6-3", 1, 11),
        True,
        DEFAULT_ROUTING_POLICY,
        "online",
        "compte personnel",
        id="single-point",
    ),
    pytest.param(
        restoration("L223-6-5", 2, 9),
        True,
        DEFAULT_ROUTING_POLICY,
        "online",
        "compte personnel",
        id="ten-years",
    ),
    pytest.param(
        restoration("L223-6-5", 2, 9),
        False,
        DEFAULT_ROUTING_POLICY,
        "postal_simple",
        "pas de compte personnel actif",
        id="ten-years-no-account",
    ),
    pytest.param(
        restoration("stage", 4, 10),
        True,
        ROUTING_STAGE_BY_POST,
        "postal_simple",
        "R. 223-8",
        id="stage-by-post",
    ),
    pytest.param(
        restoration("stage", 4, 10),
        True,
        ROUTING_STAGE_ONLINE,
        "online",
        "compte personnel",
        id="stage-online-policy",
    ),
    pytest.param(
        restoration("stage", 4, 10),
        False,
        ROUTING_STAGE_ONLINE,
        "postal_simple",
        "pas de compte personnel actif",
        id="stage-online-policy-no-account",
    ),
]


@pytest.mark.parametrize(("facts", "account_open", "policy", "channel", "reason_part"), CASES)
def test_route(facts, account_open, policy, channel, reason_part):
    routing = route(facts, account_open, policy)
    assert routing.channel == channel
    assert reason_part in routing.reason
    assert routing.policy is policy


def test_default_policy_keeps_stage_by_post():
    assert DEFAULT_ROUTING_POLICY is ROUTING_STAGE_BY_POST
    assert DEFAULT_ROUTING_POLICY.stage_eligible is False
    routing = route(restoration("stage", 4, 10), account_open=True)
    assert routing.channel is Channel.POSTAL_SIMPLE
    assert routing.policy_ref == "routing_stage_by_post/1"


def test_facts_convert_strings_to_enums():
    facts = restoration("L223-6-1", 4)
    assert facts.kind is DecisionKind.RESTORATION
    assert facts.restoration_basis is RestorationBasis.TWO_YEARS


@pytest.mark.parametrize(
    ("kind", "basis", "message"),
    [
        ("restoration", None, "needs its restoration_basis"),
        ("withdrawal", "stage", "has no restoration_basis"),
        ("suspension", None, "is not a valid DecisionKind"),
        ("restoration", "L223-6-4", "is not a valid RestorationBasis"),
    ],
)
def test_facts_refuse_incoherent_input(kind, basis, message):
    with pytest.raises(ValueError, match=message):
        DecisionFacts(kind, 2, 8, False, basis)


@given(
    kind=st.sampled_from(DecisionKind),
    points=st.integers(1, 8),
    balance_after=st.integers(0, 12),
    probationary=st.booleans(),
    basis=st.sampled_from(RestorationBasis),
    account_open=st.booleans(),
    policy=st.sampled_from([ROUTING_STAGE_BY_POST, ROUTING_STAGE_ONLINE]),
)
def test_every_decision_gets_exactly_one_channel(
    kind, points, balance_after, probationary, basis, account_open, policy
):
    facts = DecisionFacts(
        kind,
        points,
        balance_after,
        probationary,
        basis if kind is DecisionKind.RESTORATION else None,
    )
    routing = route(facts, account_open, policy)
    assert routing.channel in set(Channel)
    assert routing.reason
    registered = kind is DecisionKind.WITHDRAWAL and (
        balance_after == 0 or (probationary and points >= 3)
    )
    assert (routing.channel is Channel.POSTAL_REGISTERED) is registered
    if routing.channel is Channel.ONLINE:
        assert account_open
