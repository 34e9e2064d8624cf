import dataclasses

import pytest

from notify.legal.policies import (
    DEFAULT_APPEAL_POLICY,
    DEFAULT_NOTIFICATION_POLICY,
    DEFAULT_ROUTING_POLICY,
    FIFTEEN_DAYS_END_OF_DAY,
    FIFTEEN_DAYS_NEXT_WORKING_DAY,
    POLICIES,
    ROUTING_STAGE_ONLINE,
    TWO_MONTHS_FRANC,
    get_policy,
)


def test_defaults():
    assert DEFAULT_NOTIFICATION_POLICY.ref == "fifteen_days_end_of_day/1"
    assert DEFAULT_NOTIFICATION_POLICY.delay_days == 15
    assert DEFAULT_NOTIFICATION_POLICY.extend_to_working_day is False
    assert FIFTEEN_DAYS_NEXT_WORKING_DAY.extend_to_working_day is True
    assert DEFAULT_ROUTING_POLICY.stage_eligible is False
    assert DEFAULT_APPEAL_POLICY is TWO_MONTHS_FRANC
    assert (TWO_MONTHS_FRANC.months, TWO_MONTHS_FRANC.franc) == (2, True)


@pytest.mark.parametrize(
    ("lookup", "expected"),
    [
        (("fifteen_days_end_of_day",), FIFTEEN_DAYS_END_OF_DAY),
        (("fifteen_days_end_of_day/1",), FIFTEEN_DAYS_END_OF_DAY),
        (("fifteen_days_next_working_day", 1), FIFTEEN_DAYS_NEXT_WORKING_DAY),
        (("routing_stage_online",), ROUTING_STAGE_ONLINE),
        (("two_months_franc",), TWO_MONTHS_FRANC),
    ],
)
def test_get_policy(lookup, expected):
    assert get_policy(*lookup) is expected


@pytest.mark.parametrize(
    ("lookup", "message"),
    [
        (("fifteen_days",), "unknown policy 'fifteen_days'"),
        (("",), "unknown policy ''"),
        (("fifteen_days_end_of_day", 2), "unknown version 2 of policy 'fifteen_days_end_of_day'"),
        (("fifteen_days_end_of_day/9",), "unknown version 9"),
        (("fifteen_days_end_of_day/x",), "version must be a number"),
    ],
)
def test_unknown_policy(lookup, message):
    with pytest.raises(ValueError, match=message):
        get_policy(*lookup)


def test_refs_are_unique_and_every_policy_states_its_basis():
    refs = [policy.ref for policy in POLICIES]
    assert len(refs) == len(set(refs))
    assert all(policy.basis for policy in POLICIES)


def test_policies_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        FIFTEEN_DAYS_END_OF_DAY.extend_to_working_day = True  # type: ignore[misc]
