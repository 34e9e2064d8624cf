"""The canonical serialisation every evidence hash is computed over (RFC 8785 subset)."""

import pytest

from notify.evidence.log import canonical_json


def test_keys_sorted_no_spaces_utf8():
    assert canonical_json({"b": 1, "a": {"d": [True, None], "c": "é€"}}) == (
        '{"a":{"c":"é€","d":[true,null]},"b":1}'.encode())


def test_control_characters_are_escaped():
    assert canonical_json({"a": "x\n\u0001"}) == b'{"a":"x\\n\\u0001"}'


@pytest.mark.parametrize("document", [{"a": 1.5}, {"a": [1, {"b": 0.0}]}, {"a": {1: "x"}}])
def test_floats_and_non_string_keys_are_refused(document):
    with pytest.raises(TypeError):
        canonical_json(document)
