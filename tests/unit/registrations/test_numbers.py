"""VIN, registration number and SIRET validators."""

import re

import pytest

from notify.errors import InvalidInput
from notify.registrations.numbers import (
    PlateFormat,
    parse_plate,
    parse_siret,
    parse_vin,
    vin_check_digit,
)


@pytest.mark.parametrize("vin", ["1M8GDM9AXKP042788", "11111111111111111",
                                 "1HGCM82633A004352"])
def test_north_american_vins_with_a_right_check_digit(vin):
    assert vin_check_digit(vin) == vin[8]
    assert parse_vin(vin).warnings == ()


def test_a_european_vin_with_another_ninth_character_is_accepted_with_a_warning():
    parsed = parse_vin("vf1 rfa00067-123456")  # Renault: no check digit
    assert parsed.value == "VF1RFA00067123456"
    assert len(parsed.warnings) == 1 and "9e caractère" in parsed.warnings[0]


def test_check_digit_ten_is_written_x():
    assert vin_check_digit("1M8GDM9AXKP042788") == "X"


@pytest.mark.parametrize(("vin", "message"), [
    ("VF1RFA0006712345", "17 caractères (reçu 16)"),
    ("VF1RFA000671234567", "17 caractères (reçu 18)"),
    ("VF1RFA0006712345I", "jamais I, O ni Q (trouvé : I)"),
    ("VF1OFA0006712345Q", "trouvé : O, Q"),
    ("VF1RFA00067_12345", "trouvé : _"),
    ("", "reçu 0"),
])
def test_bad_vins_are_refused(vin, message):
    with pytest.raises(InvalidInput, match=re.escape(message)) as refused:
        parse_vin(vin)
    assert refused.value.field == "vin"


@pytest.mark.parametrize(("raw", "value", "kind"), [
    ("AB-123-CD", "AB-123-CD", PlateFormat.SIV),
    ("ab123cd", "AB-123-CD", PlateFormat.SIV),
    ("ZZ-999-ZZ", "ZZ-999-ZZ", PlateFormat.SIV),
    ("WW-123-AB", "WW-123-AB", PlateFormat.PROVISIONAL),
    ("AA-001-AA", "AA-001-AA", PlateFormat.SIV),
    ("123-AB-01", "123-AB-01", PlateFormat.OLD),
    ("1234 ABC 75", "1234-ABC-75", PlateFormat.OLD),
    ("56-AZ-2A", "56-AZ-2A", PlateFormat.OLD),
    ("123-AB-974", "123-AB-974", PlateFormat.OLD),
])
def test_registration_numbers(raw, value, kind):
    plate = parse_plate(raw)
    assert (plate.value, plate.format) == (value, kind)


@pytest.mark.parametrize(("raw", "message"), [
    ("AI-123-BC", "I, O ni U"), ("AB-123-CO", "I, O ni U"), ("UA-123-BC", "I, O ni U"),
    ("SS-123-AB", "SS"), ("AB-123-SS", "SS"),
    ("AB-000-CD", "000"),
    ("AB-123-WW", "WW"),
    ("AB-12-CD", "AA-123-AA"), ("A1-123-BC", "AA-123-AA"), ("", "AA-123-AA"),
    ("ABC-123-DE", "AA-123-AA"),
])
def test_bad_registration_numbers(raw, message):
    with pytest.raises(InvalidInput, match=message) as refused:
        parse_plate(raw)
    assert refused.value.field == "plate"


@pytest.mark.parametrize("siret", ["73282932000074", "732 829 320 00074", "35600000000048",
                                   "35600000049837"])
def test_valid_sirets(siret):
    assert parse_siret(siret) == siret.replace(" ", "")


@pytest.mark.parametrize(("siret", "message"), [
    ("73282932000075", "clé de contrôle"), ("7328293200007", "14 chiffres"),
    ("7328293200007A", "14 chiffres"), ("35600000049838", "clé de contrôle"),
])
def test_invalid_sirets(siret, message):
    with pytest.raises(InvalidInput, match=message):
        parse_siret(siret)
