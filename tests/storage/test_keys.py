"""The key rules every backend applies, and the reasons given for refusing a key."""

import pytest

from storage import InvalidKey, validate_key
from storage.base import validate_prefix


@pytest.mark.parametrize(
    "key",
    [
        "a",
        "_",
        "0",
        "sessions/sess_0123abcd/video-1.webm",
        "a/b.",
        "a/b..c",
        "A-Z_0.9",
        pytest.param("n" * 255, id="255-character-segment"),
        pytest.param(("x" * 254 + "/") * 4 + "abcd", id="1024-characters"),
    ],
)
def test_valid_keys_are_returned_unchanged(key):
    assert validate_key(key) == key


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("", "it is empty"),
        ("/abs", "must not start or end with '/'"),
        ("a/", "must not start or end with '/'"),
        ("a//b", r"empty segment \('//'\)"),
        ("../x", "it contains the segment '..'"),
        ("a/../b", "it contains the segment '..'"),
        ("a/./b", "it contains the segment '.'"),
        (".hidden", "segment '.hidden' starts with '.'"),
        ("a/-x", "segment '-x' starts with '-'"),
        ("a\\b", r"segment 'a\\\\b' contains the character '\\\\'"),
        ("a\x00b", r"contains the character '\\x00'"),
        ("a b", "contains the character ' '"),
        ("caf\u00e9", "contains the character '\u00e9'"),
        pytest.param("n" * 256, "a segment is longer than 255 characters", id="256-character-segment"),
        pytest.param(("x" * 254 + "/") * 4 + "abcde", "longer than 1024 characters", id="1025-characters"),
        (None, "not a string"),
        (b"bytes", "not a string"),
    ],
)
def test_invalid_keys_are_refused_with_the_reason(key, reason):
    with pytest.raises(InvalidKey, match=reason) as refused:
        validate_key(key)
    assert isinstance(refused.value, ValueError)


@pytest.mark.parametrize("prefix", ["", "a", "a/", "a/b", "a/b/", "a/b."])
def test_valid_prefixes(prefix):
    assert validate_prefix(prefix) == prefix


@pytest.mark.parametrize("prefix", ["/", "//", "a//", "/a", "../", "a/.", None])
def test_invalid_prefixes(prefix):
    with pytest.raises(InvalidKey, match="invalid storage prefix"):
        validate_prefix(prefix)
