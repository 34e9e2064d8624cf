"""The canonical serialisation every evidence hash is computed over (RFC 8785 subset)."""

import hashlib
import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notify.evidence.log import canonical_json, event_row
from notify.evidence.models import EventTag


def test_keys_sorted_no_spaces_utf8():
    assert canonical_json({"b": 1, "a": {"d": [True, None], "c": "é€"}}) == (
        '{"a":{"c":"é€","d":[true,null]},"b":1}'.encode())


def test_control_characters_are_escaped():
    assert canonical_json({"a": "x\n\u0001"}) == b'{"a":"x\\n\\u0001"}'


@pytest.mark.parametrize("document", [{"a": 1.5}, {"a": [1, {"b": 0.0}]}, {"a": {1: "x"}}])
def test_floats_and_non_string_keys_are_refused(document):
    with pytest.raises(TypeError):
        canonical_json(document)


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70)
    | st.text(st.characters(codec="utf-8")),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(st.characters(codec="utf-8"), max_size=8), children, max_size=4),
    max_leaves=20)


@settings(max_examples=300)
@given(st.dictionaries(st.text(st.characters(codec="utf-8"), max_size=8), _json, max_size=6))
def test_the_bytes_of_the_standard_encoder(document):
    """The encoder made once (``_C_ENCODER``) writes what ``json.dumps`` with sorted keys,
    no spaces and UTF-8 writes, whatever the document: every stored hash still holds."""
    assert canonical_json(document) == json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def test_an_events_document_is_the_standard_encoders():
    at = datetime(2026, 11, 20, 9, 30, 1, 5, tzinfo=UTC)
    data = {"letter_sha256": "b" * 64, "channel": "online", "note": "« é\u2028\t »"}
    row = event_row(subject="decision:R-1", seq=2, prev_hash="a" * 64,
                    tag=EventTag.DEPOSITED, actor="api:x", at=at, data=data)
    expected = json.dumps({"subject": "decision:R-1", "seq": 2, "tag": "deposited",
                           "actor": "api:x", "at": "2026-11-20T09:30:01.000005Z",
                           "data": data, "prev": "a" * 64},
                          sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert row["document"] == expected
    assert row["hash"] == hashlib.sha256(expected.encode("utf-8")).hexdigest()
    assert event_row(subject="decision:R-1", seq=2, prev_hash="a" * 64,
                     tag=EventTag.DEPOSITED, actor="api:x", at=at, data=data,
                     instant="2026-11-20T09:30:01.000005Z") == row
