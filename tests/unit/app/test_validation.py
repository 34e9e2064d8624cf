"""The shared checks of values from outside: text, dates, and JSON bodies (pure parts)."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notify.errors import InvalidInput
from notify.validation import TEXT_PATTERN, DateWindow, Invalid, clean_text, parse_date
from notify.web.json_input import MAX_DEPTH, nests_deeper, parse_json

# --- text -------------------------------------------------------------------------


def test_text_is_stripped_and_nfc_normalised():
    assert clean_text("  Lyon (69) ", 200) == "Lyon (69)"
    assert clean_text("Se\u0301lestat", 200) == "Sélestat"


@pytest.mark.parametrize(("value", "message"), [
    ("\ud800", "texte Unicode invalide : demi-codet d'indirection isolé U+D800 (caractère 1)"),
    ("ab\udfff", "texte Unicode invalide : demi-codet d'indirection isolé U+DFFF "
                 "(caractère 3)"),
    ("Lyon\x00", "caractère de contrôle interdit : U+0000 (caractère 5)"),
    ("Lyon\n69", "caractère de contrôle interdit : U+000A (caractère 5)"),
    ("\tLyon", "caractère de contrôle interdit : U+0009 (caractère 1)"),
    ("Lyon\x7f", "caractère de contrôle interdit : U+007F (caractère 5)"),
    ("Lyon\x85", "caractère de contrôle interdit : U+0085 (caractère 5)"),
    ("abc\u202egpj.exe", "caractère de contrôle interdit : U+202E (caractère 4)"),
    ("a\u2066b", "caractère de contrôle interdit : U+2066 (caractère 2)"),
    ("a\u2028b", "caractère de contrôle interdit : U+2028 (caractère 2)"),
    ("   ", "texte non vide attendu"),
    ("", "texte non vide attendu"),
    (12, "texte non vide attendu"),
    (None, "texte non vide attendu"),
    ("x" * 11, "10 caractères au plus (reçu 11)"),
])
def test_refused_texts_name_the_reason(value, message):
    with pytest.raises(Invalid) as refused:
        clean_text(value, 10)
    assert refused.value.message == message


def test_length_is_counted_after_stripping():
    assert clean_text("  " + "x" * 10 + "  ", 10) == "x" * 10


@given(st.text(max_size=30))
def test_the_documented_pattern_says_what_clean_text_accepts(value):
    """TEXT_PATTERN is what the OpenAPI document publishes: it must agree with the code
    (surrogates aside: JSON Schema patterns cannot name them, and no client sends one
    in UTF-8)."""
    try:
        clean_text(value, 1000)
        accepted = True
    except Invalid:
        accepted = False
    # ``$`` of ECMA-262 (JSON Schema) is Python's ``\Z``.
    assert bool(re.search(TEXT_PATTERN.removesuffix("$") + r"\Z", value)) is accepted


# --- dates ------------------------------------------------------------------------

WINDOW = DateWindow(date(1992, 7, 1), date(2026, 11, 21), "trop tôt", "trop tard")


@pytest.mark.parametrize(("value", "expected"), [
    ("1992-07-01", date(1992, 7, 1)),
    ("2026-11-21", date(2026, 11, 21)),
])
def test_dates_on_the_bounds_are_accepted(value, expected):
    assert parse_date(value, WINDOW) == expected


@pytest.mark.parametrize(("value", "message"), [
    ("1992-06-30", "trop tôt"),
    ("0001-01-01", "trop tôt"),
    ("2026-11-22", "trop tard"),
    ("9999-12-31", "trop tard"),
    ("2026-02-30", "date inexistante : 2026-02-30"),
    ("2026-11-20\n", "date attendue au format AAAA-MM-JJ"),
    ("٢٠٢٦-١١-٢٠", "date attendue au format AAAA-MM-JJ"),
    ("20/11/2026", "date attendue au format AAAA-MM-JJ"),
    ("2026-11-20T10:00:00", "date attendue au format AAAA-MM-JJ"),
    (20261120, "date attendue au format AAAA-MM-JJ"),
])
def test_refused_dates_name_the_reason(value, message):
    with pytest.raises(Invalid) as refused:
        parse_date(value, WINDOW)
    assert refused.value.message == message


@given(st.dates(date(1990, 1, 1), date(2030, 12, 31)),
       st.dates(date(1991, 1, 1), date(2029, 12, 31)),
       st.dates(date(1991, 1, 1), date(2029, 12, 31)))
def test_the_window_pattern_matches_the_window_exactly(day, first, last):
    first, last = min(first, last), max(first, last)
    window = DateWindow(first, last, "", "")
    assert bool(re.fullmatch(window.pattern, day.isoformat())) is (first <= day <= last)


# --- JSON bodies ------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "message"), [
    (b"[" * 1100 + b"]" * 1100, f"plus de {MAX_DEPTH} niveaux de tableaux et d'objets "
                                f"imbriqués"),
    (b"[" * 100_000, f"plus de {MAX_DEPTH} niveaux"),
    (b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), f"plus de {MAX_DEPTH} niveaux"),
    (b"\xef\xbb\xbf[]", "marque d'ordre des octets (BOM) en tête, UTF-8 sans BOM attendu"),
    (b'["caf\xe9"]', "encodage UTF-8 attendu (octet 0xE9 invalide en position 5)"),
    ('["é"]'.encode("utf-16"), "encodage UTF-8 attendu (octet 0xFF invalide en position 0)"),
    (b'["\xed\xa0\x80"]', "encodage UTF-8 attendu (octet 0xED invalide en position 2)"),
    (b"[NaN]", "valeur non JSON : NaN"),
    (b"[-Infinity]", "valeur non JSON : -Infinity"),
    (b"[" + b"9" * 5000 + b"]", "nombre de plus de 4300 chiffres"),
    (b"[1,]", "Expecting value, ligne 1, colonne 4"),
])
def test_unreadable_bodies_are_refused_precisely(raw, message):
    with pytest.raises(InvalidInput) as refused:
        parse_json(raw)
    assert refused.value.message.startswith("Corps JSON invalide : ")
    assert message in refused.value.message
    assert refused.value.status == 400


def test_a_body_at_the_depth_bound_is_read():
    raw = b"[" * MAX_DEPTH + b"]" * MAX_DEPTH
    assert parse_json(raw) == json.loads(raw)


@pytest.mark.parametrize(("document", "depth"), [
    (1, 0), ("[[[", 0), ([], 1), ({"a": "]]]]"}, 1), ([{"a": [1, {"b": "\\\"["}]}], 4),
    ([[], [[]], {}], 3), ({"\\": {"\"{": []}}, 3),
])
def test_nesting_is_measured_outside_strings(document, depth):
    raw = json.dumps(document).encode()
    assert not nests_deeper(raw, depth)
    assert nests_deeper(raw, depth - 1) is (depth > 0)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab\u00e9\n'),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(alphabet='[]{}"\\a', max_size=3), children, max_size=3),
    max_leaves=20)


def _depth(value) -> int:
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    return 0


@given(json_values, st.booleans())
def test_nesting_depth_agrees_with_the_document(document, ascii_only):
    raw = json.dumps(document, ensure_ascii=ascii_only).encode()
    depth = _depth(document)
    assert not nests_deeper(raw, depth)
    if depth:
        assert nests_deeper(raw, depth - 1)
