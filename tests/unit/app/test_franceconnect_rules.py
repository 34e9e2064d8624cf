"""FranceConnect's pure parts: how names are compared, what the request asks for."""

import pytest

from notify.franceconnect.client import authorization_params, uses_pkce
from notify.franceconnect.operations import comparable_name


@pytest.mark.parametrize(("register", "franceconnect"), [
    ("TESTEUR", "Testeur"),
    ("LEFÈVRE", "Lefevre"),
    ("LEFÈVRE-D'ARC", "Lefèvre d’Arc"),
    ("N'GUYEN", "N GUYEN"),
    ("MÜLLER  SCHMIDT", "müller-schmidt"),
    ("ŒUVRARD", "Œuvrard"),
])
def test_same_name(register, franceconnect):
    assert comparable_name(register) == comparable_name(franceconnect)


@pytest.mark.parametrize(("register", "franceconnect"), [
    ("TESTEUR", "TESTEURS"),
    ("MARTIN", "MARTINE"),
    ("DUPONT", "DU PONTE"),
])
def test_different_name(register, franceconnect):
    assert comparable_name(register) != comparable_name(franceconnect)


FRANCECONNECT = {
    "scopes_supported": ["openid", "given_name", "family_name", "birthdate", "gender",
                         "birthplace", "birthcountry", "email", "preferred_username"],
    "acr_values_supported": ["eidas1"],
}


def test_franceconnect_is_asked_only_what_linking_needs():
    assert authorization_params(FRANCECONNECT) == {
        "scope": "openid given_name family_name birthdate", "acr_values": "eidas1"}


def test_a_plain_provider_is_asked_the_profile_scope():
    assert authorization_params({"scopes_supported": ["openid", "profile", "email"]}) == {
        "scope": "openid profile"}
    assert authorization_params({}) == {"scope": "openid profile"}


def test_pkce_only_where_s256_is_offered():
    assert uses_pkce({"code_challenge_methods_supported": ["plain", "S256"]})
    assert not uses_pkce({"code_challenge_methods_supported": ["plain"]})
    assert not uses_pkce(FRANCECONNECT)
