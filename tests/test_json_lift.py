"""Lifting the long string member out of a JSON body, and falling back when it is not plain."""

import json

import orjson
import pytest

from facial_backend.perf.json_lift import lift_string


def _lifted(document: dict | str, name: str = "audioBase64"):
    raw = document.encode() if isinstance(document, str) else json.dumps(document).encode()
    return lift_string(raw, name)


def test_the_value_is_cut_out_and_the_rest_parses_to_the_same_document():
    document = {"sessionId": "s1", "imageIndex": 3, "audioBase64": "QUJD+/9=", "signedUrl": None}
    rest, value = _lifted(document)
    assert value == b"QUJD+/9="
    assert orjson.loads(rest) == {**document, "audioBase64": ""}


@pytest.mark.parametrize("text", [
    '{"audioBase64" :\n "QUJD", "a": 1}',
    '{"a": {"b": [1, 2]}, "audioBase64":"QUJD"}',
    '{"audioBase64": ""}',
])
def test_json_whitespace_and_positions(text):
    rest, value = _lifted(text)
    assert orjson.loads(rest)["audioBase64"] == ""
    assert value == json.loads(text)["audioBase64"].encode()


@pytest.mark.parametrize("text", [
    '{"a": 1}',                                             # absent
    '{"audioBase64": "QU\\/J"}',                           # an escape in the value
    '{"audioBase64": null}',                               # not a string
    '{"audioBase64": 12}',
    '{"clientId": "audioBase64", "b": "x"}',               # a value, not a member name
    '{"audioBase64": "QUJD", "x": {"audioBase64": "RA"}}',  # twice
    '{"audioBase64": "QUJD',                               # cut short
])
def test_anything_unusual_is_left_to_the_full_parser(text):
    assert _lifted(text) is None


def test_a_nested_member_is_found_but_the_caller_sees_no_top_level_empty_string():
    rest, _ = _lifted({"meta": {"audioBase64": "QUJD"}})
    assert "audioBase64" not in orjson.loads(rest)
