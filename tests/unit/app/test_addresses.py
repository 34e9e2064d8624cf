"""Addresses at input: email-validator's checks, our normalisation, our French refusals."""

import pytest

from notify.errors import InvalidInput
from notify.mail.addresses import NEEDS_SMTPUTF8, envelope_address, normalize_address


@pytest.mark.parametrize(("typed", "stored"), [
    ("  Camille.Dupont@Example.FR ", "camille.dupont@example.fr"),
    ("zoe@exémple.fr", "zoe@exémple.fr"),          # IDN domain: sent as xn--, no SMTPUTF8
    ("a+tag@sub.example.org", "a+tag@sub.example.org"),
])
def test_valid_addresses_are_normalised(typed, stored):
    assert normalize_address(typed, smtputf8=False) == stored


@pytest.mark.parametrize("typed", ["", "camille", "camille@", "@example.fr", "a@b",
                                   "a b@example.fr", "a@@example.fr", "a@example..fr",
                                   "x" * 250 + "@example.fr"])
def test_invalid_addresses_are_refused_in_french(typed):
    with pytest.raises(InvalidInput) as refused:
        normalize_address(typed, smtputf8=False, field="new_email")
    assert refused.value.message.startswith("Saisissez une adresse électronique valide")
    assert refused.value.field == "new_email"


def test_internationalised_local_part_needs_a_relay_with_smtputf8():
    with pytest.raises(InvalidInput) as refused:
        normalize_address("zoë@exemple.fr", smtputf8=False)
    assert refused.value.message == NEEDS_SMTPUTF8
    assert normalize_address("Zoë@exemple.fr", smtputf8=True) == "zoë@exemple.fr"


def test_envelope_uses_the_ascii_form_when_there_is_one():
    assert envelope_address("zoe@exémple.fr") == ("zoe@xn--exmple-cva.fr", False)
    assert envelope_address("zoë@exemple.fr") == ("zoë@exemple.fr", True)
    assert envelope_address("a@example.fr") == ("a@example.fr", False)


def test_reserved_domains_only_in_demo_and_test_modes():
    with pytest.raises(InvalidInput):
        normalize_address("titulaire@demo.notify.test", smtputf8=False)
    assert normalize_address("titulaire@demo.notify.test", smtputf8=False,
                             test_domains=True) == "titulaire@demo.notify.test"
