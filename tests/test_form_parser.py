"""The one-pass multipart splitter gives exactly what Werkzeug's parser gives, on plain bodies
(which it splits itself) and on odd ones (which it hands to Werkzeug)."""

import io
import random

import pytest
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser

from facial_backend.perf.form_parser import NotSplittable, ServiceFormDataParser, split_multipart

BOUNDARY = b"----b0undary7MA4YWxkTrZu0gW"
CRLF = b"\r\n"


def _body(*parts: bytes, lead: bytes = b"", tail: bytes = b"--\r\n", sep: bytes = CRLF) -> bytes:
    body = lead
    for part in parts:
        body += b"--" + BOUNDARY + sep + part + sep
    return body + b"--" + BOUNDARY + tail


def _field(name: str, value: bytes, sep: bytes = CRLF, extra: bytes = b"") -> bytes:
    return (b'Content-Disposition: form-data; name="' + name.encode() + b'"' + sep + extra
            + sep + value)


def _file(name: str, filename: str, data: bytes, content_type: bytes = b"video/webm") -> bytes:
    return (b'Content-Disposition: form-data; name="' + name.encode() + b'"; filename="'
            + filename.encode() + b'"' + CRLF + b"Content-Type: " + content_type + CRLF + CRLF
            + data)


def _parse(parser_class, body: bytes, **limits):
    parser = parser_class(lambda **_: io.BytesIO(), **limits)
    _, form, files = parser.parse(io.BytesIO(body), "multipart/form-data", len(body),
                                  {"boundary": BOUNDARY.decode()})
    return (sorted(form.items(multi=True)),
            sorted((name, f.filename, f.content_type, f.stream.read())
                   for name, f in files.items(multi=True)))


def _same_as_werkzeug(body: bytes, **limits):
    ours = _parse(ServiceFormDataParser, body, **limits)
    assert ours == _parse(FormDataParser, body, **limits)
    return ours


CHUNK = random.Random(7).randbytes(64 * 1024)

PLAIN = {
    "fields and a file": _body(_field("session_id", b"abc"), _field("chunk_index", b"3"),
                               _file("chunk", "chunk_3", CHUNK)),
    "empty preamble line": _body(_field("a", b"1"), lead=CRLF),
    "utf-8 names and values": _body(_field("participant", "Zoë".encode()),
                                    _file("f", "vidéo.webm", b"x")),
    "latin-1 charset": _body(_field("a", "é".encode("latin-1"),
                                    extra=b"Content-Type: text/plain; charset=iso-8859-1" + CRLF)),
    "empty field and empty file": _body(_field("a", b""), _file("f", "e", b"")),
    "data holding the boundary without CRLF": _body(_file("f", "x", b"--" + BOUNDARY + b"x")),
    "data ending in CRLF": _body(_file("f", "x", b"abc" + CRLF + CRLF)),
    "repeated names": _body(_field("a", b"1"), _field("a", b"2")),
    "closing boundary without CRLF": _body(_field("a", b"1"), tail=b"--"),
}

ODD = {
    "bare LF line breaks": _body(_field("a", b"1", sep=b"\n"), sep=b"\n", tail=b"--\n"),
    "whitespace after a boundary": _body(_field("a", b"1")).replace(
        BOUNDARY + CRLF, BOUNDARY + b"  " + CRLF, 1),
    "a preamble": _body(_field("a", b"1"), lead=b"This is a preamble." + CRLF),
    "an epilogue": _body(_field("a", b"1"), tail=b"--\r\nepilogue\r\n"),
    "no closing boundary": _body(_field("a", b"1"))[:-len(BOUNDARY) - 6],
    "a part without headers": _body(b"" + CRLF + b"orphan", _field("a", b"1")),
    "a folded header": _body(b'Content-Disposition: form-data;\r\n name="a"\r\n\r\n1'),
    "not form-data": _body(b'Content-Disposition: attachment; name="a"\r\n\r\n1'),
}


@pytest.mark.parametrize("body", PLAIN.values(), ids=PLAIN.keys())
def test_plain_bodies_are_split_in_one_pass_like_werkzeug(body):
    assert split_multipart(body, BOUNDARY, None)
    _same_as_werkzeug(body)


@pytest.mark.parametrize("body", ODD.values(), ids=ODD.keys())
def test_odd_bodies_go_to_werkzeug(body):
    with pytest.raises(NotSplittable):
        split_multipart(body, BOUNDARY, None)
    _same_as_werkzeug(body)


def test_a_chunk_comes_back_byte_for_byte():
    form, files = _same_as_werkzeug(PLAIN["fields and a file"])
    assert form == [("chunk_index", "3"), ("session_id", "abc")]
    assert files == [("chunk", "chunk_3", "video/webm", CHUNK)]


def test_random_bodies_parse_like_werkzeug():
    rng = random.Random(20261122)
    for _ in range(300):
        parts = []
        for index in range(rng.randint(1, 5)):
            value = rng.randbytes(rng.randint(0, 300))
            if rng.random() < 0.3:  # bytes that look like the start of a delimiter
                value += rng.choice([CRLF, CRLF + b"--", CRLF + b"--" + BOUNDARY[:5], b"--"])
            parts.append(_file(f"f{index}", f"n{index}", value) if rng.random() < 0.5
                         else _field(f"k{index}", value.replace(b"\r", b"")))
        _same_as_werkzeug(_body(*parts))


def test_limits_are_those_of_werkzeug():
    many = _body(*(_field(f"k{i}", b"v") for i in range(5)))
    for parser_class in (ServiceFormDataParser, FormDataParser):
        with pytest.raises(RequestEntityTooLarge):
            _parse(parser_class, many, max_form_parts=4)
        with pytest.raises(RequestEntityTooLarge):
            _parse(parser_class, _body(_field("a", b"x" * 101)), max_form_memory_size=100)
    assert _same_as_werkzeug(many, max_form_parts=5)[0][0] == ("k0", "v")


def test_a_body_cut_short_is_parsed_as_far_as_it_goes_like_werkzeug():
    body = PLAIN["fields and a file"]
    _same_as_werkzeug(body[:len(body) // 2])
