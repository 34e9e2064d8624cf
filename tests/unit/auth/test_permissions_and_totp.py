"""The permission tables and the TOTP rules, without a database."""

from datetime import UTC, datetime

import pytest

from notify.auth import totp
from notify.auth.permissions import (
    KIND_PERMISSIONS,
    ROLE_PERMISSIONS,
    SCOPES,
    Permission,
    PrincipalKind,
    Role,
    effective_permissions,
    parse_scopes,
)

RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # b"12345678901234567890" (RFC 6238 app. B)


def test_no_permission_is_held_by_two_kinds():
    kinds = list(KIND_PERMISSIONS.values())
    for i, held in enumerate(kinds):
        for other in kinds[i + 1:]:
            assert not held & other
    assert set().union(*kinds) == set(Permission)


def test_roles_hold_staff_permissions_only_and_admin_more_than_legal():
    for role in Role:
        assert ROLE_PERMISSIONS[role] <= KIND_PERMISSIONS[PrincipalKind.STAFF]
    assert ROLE_PERMISSIONS[Role.LEGAL] < ROLE_PERMISSIONS[Role.ADMIN]
    assert Permission.STAFF_MEMBERS_MANAGE not in ROLE_PERMISSIONS[Role.LEGAL]


@pytest.mark.parametrize("kind", [PrincipalKind.HOLDER, PrincipalKind.API_CLIENT])
def test_a_holder_or_api_client_never_holds_a_staff_permission(kind):
    granted = effective_permissions(kind, set(Permission))
    assert not granted & KIND_PERMISSIONS[PrincipalKind.STAFF]


def test_scopes_grant_api_permissions_and_are_parsed_strictly():
    for scope in SCOPES.values():
        assert scope.permission in KIND_PERMISSIONS[PrincipalKind.API_CLIENT]
    assert [s.name for s in parse_scopes(["decisions:read decisions:deposit"])] == [
        "decisions:deposit", "decisions:read"]
    with pytest.raises(ValueError, match="portée inconnue : staff:home"):
        parse_scopes(["decisions:read", "staff:home"])


def test_registration_scopes_belong_to_one_kind_of_organisation():
    from notify.auth.models import OrganisationKind

    kinds = {name: scope.organisation_kind for name, scope in SCOPES.items()
             if scope.organisation_kind}
    assert kinds == {"registrations:file": "provider", "registrations:instruct": "centre"}
    assert set(kinds.values()) <= set(OrganisationKind)


def test_reading_scope_sees_only_its_own_organisation():
    read = SCOPES["decisions:read"]
    assert read.check_owner(1, 1) and not read.check_owner(1, 2)


def at(seconds):
    return datetime.fromtimestamp(seconds, UTC)


def test_rfc_6238_vector_with_six_digits():
    # RFC 6238 appendix B, SHA-1, T = 59 s: 94287082 (the last six digits).
    assert totp.code_at_step(RFC_SECRET, 59 // 30) == "287082"
    assert totp.matching_step(RFC_SECRET, "287082", at(59), None) == 1
    assert totp.matching_step(RFC_SECRET, "287 082", at(59), None) == 1


def test_one_step_of_drift_either_side_and_no_more():
    code = totp.code_at_step(RFC_SECRET, 1000)
    assert totp.matching_step(RFC_SECRET, code, at(999 * 30), None) == 1000
    assert totp.matching_step(RFC_SECRET, code, at(1001 * 30 + 29), None) == 1000
    assert totp.matching_step(RFC_SECRET, code, at(998 * 30 + 29), None) is None
    assert totp.matching_step(RFC_SECRET, code, at(1002 * 30), None) is None


def test_a_used_step_and_older_ones_are_refused():
    code = totp.code_at_step(RFC_SECRET, 1000)
    assert totp.matching_step(RFC_SECRET, code, at(1000 * 30), 999) == 1000
    assert totp.matching_step(RFC_SECRET, code, at(1000 * 30), 1000) is None
    older = totp.code_at_step(RFC_SECRET, 999)
    assert totp.matching_step(RFC_SECRET, older, at(1000 * 30), 1000) is None


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef"])
def test_malformed_codes_are_refused(code):
    assert totp.matching_step(RFC_SECRET, code, at(59), None) is None


def test_provisioning_uri():
    uri = totp.provisioning_uri(RFC_SECRET, "agent@example.fr")
    assert uri.startswith("otpauth://totp/notify:agent%40example.fr?secret=" + RFC_SECRET)
    assert "issuer=notify" in uri
