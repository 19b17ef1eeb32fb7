"""Taking one long string member out of a JSON body before parsing the rest.

A segment body is 7 MiB of JSON, almost all of it one base64 string. Parsing it whole builds a
7 MiB ``str`` in one C call that holds the event loop for ~10 ms, during which no signal is
relayed. Base64 needs no JSON escapes, so the string's bytes lie verbatim between two quotes:
``lift_string`` cuts them out (a few ``bytes.find`` calls) and leaves ``""`` in their place,
so the remaining body is tiny to parse. Anything unusual (escapes in the value, the member
name appearing twice, a value that is not a string) makes it return ``None`` and the caller
parses the whole body as before.
"""

from __future__ import annotations

_WHITESPACE = b" \t\r\n"


def lift_string(raw: bytes, name: str) -> tuple[bytes, bytes] | None:
    """``(raw with the member's value replaced by "", the value's bytes)``, or ``None``.

    The caller must check, after parsing, that the top-level member ``name`` is ``""``: the
    one occurrence found may be a member of a nested object, which is then not lifted."""
    token = b'"' + name.encode() + b'"'
    found = raw.find(token)
    if found < 0 or raw.find(token, found + len(token)) >= 0:
        return None
    position = _skip_whitespace(raw, found + len(token))
    if raw[position:position + 1] != b":":
        return None
    position = _skip_whitespace(raw, position + 1)
    if raw[position:position + 1] != b'"':
        return None
    start = position + 1
    end = raw.find(b'"', start)
    if end < 0 or raw.find(b"\\", start, end) >= 0:
        return None
    return raw[:start] + raw[end:], raw[start:end]


def _skip_whitespace(raw: bytes, position: int) -> int:
    while raw[position:position + 1] and raw[position] in _WHITESPACE:
        position += 1
    return position
