"""The contract every storage backend keeps, run against the local folder and S3 (moto)."""

import io
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import requests

from storage import (
    CHUNK_SIZE,
    InvalidKey,
    ObjectNotFound,
    SignatureError,
    TooLarge,
    UploadPolicy,
    verify_download,
)
from tests.storage.conftest import BASE_URL, SIGNING_KEY
from tests.storage.streams import GeneratedStream, MiB, StreamBroke, sha256_of

DATA = bytes(range(256)) * 4096 * 3 + b"tail"  # 3 MiB and 4 bytes: several pieces
BAD_KEYS = ["../x", "a/../b", "/abs", "a//b", ".hidden", "a\\b", "a\x00b", ""]


def keys(storage, prefix=""):
    return [info.key for info in storage.list(prefix)]


def test_put_bytes_then_head_and_read(storage):
    before = datetime.now(UTC)
    info = storage.put_bytes("rec/one.txt", b"hello", "text/plain")

    assert (info.key, info.size, info.content_type) == ("rec/one.txt", 5, "text/plain")
    assert info.modified.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=2) <= info.modified <= datetime.now(UTC)
    assert storage.head("rec/one.txt") == info
    assert storage.read_bytes("rec/one.txt") == b"hello"


def test_head_of_a_missing_object_is_none(storage):
    assert storage.head("rec/missing.txt") is None


def test_content_type_is_taken_from_the_extension_when_not_given(storage):
    assert storage.put_bytes("rec/voice.m4a", b"audio").content_type == "audio/mp4"
    assert storage.head("rec/voice.m4a").content_type == "audio/mp4"


def test_open_yields_everything_in_pieces_of_at_most_one_mib(storage):
    storage.put_bytes("big.bin", DATA)
    pieces = list(storage.open("big.bin"))

    assert b"".join(pieces) == DATA
    assert len(pieces) > 1
    assert max(len(piece) for piece in pieces) <= CHUNK_SIZE


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (0, 0),
        (10, 19),
        (len(DATA) - 1, None),  # the last byte
        (len(DATA) - 1, len(DATA) - 1),
        (len(DATA) - 5, len(DATA) + 100),  # an end past the last byte is clamped
        (CHUNK_SIZE - 3, 2 * CHUNK_SIZE + 3),  # across piece boundaries
        (5, None),
    ],
)
def test_open_yields_an_inclusive_byte_range(storage, start, end):
    storage.put_bytes("big.bin", DATA)

    with storage.open("big.bin", start, end) as pieces:
        data = b"".join(pieces)

    assert data == DATA[start : None if end is None else end + 1]


@pytest.mark.parametrize("start", [len(DATA), len(DATA) + 1000])
def test_open_from_beyond_the_end_yields_nothing(storage, start):
    storage.put_bytes("big.bin", DATA)
    assert b"".join(storage.open("big.bin", start)) == b""
    assert b"".join(storage.open("big.bin", start, start + 10)) == b""


def test_an_empty_object_reads_as_nothing(storage):
    assert storage.put_bytes("empty.bin", b"").size == 0
    assert storage.read_bytes("empty.bin") == b""
    assert b"".join(storage.open("empty.bin", 0, 10)) == b""


def test_open_of_a_missing_object_raises_at_once(storage):
    with pytest.raises(ObjectNotFound):
        storage.open("rec/missing.bin")
    with pytest.raises(ObjectNotFound):
        storage.read_bytes("rec/missing.bin")


@pytest.mark.parametrize(("start", "end"), [(-1, None), (5, 4)])
def test_open_refuses_an_impossible_range(storage, start, end):
    storage.put_bytes("big.bin", DATA)
    with pytest.raises(ValueError, match="invalid byte range"):
        storage.open("big.bin", start, end)


def test_put_stream_of_20_mib_round_trips(storage):
    stream = GeneratedStream(20 * MiB, seed=7)

    info = storage.put_stream("rec/long.webm", stream, "video/webm")

    assert (info.size, info.content_type) == (20 * MiB, "video/webm")
    assert sha256_of(storage.open("rec/long.webm")) == stream.sha256
    assert stream.largest_request <= CHUNK_SIZE


@pytest.mark.parametrize(("size", "limit"), [(3 * MiB, 2 * MiB), (20 * MiB, 10 * MiB)])
def test_put_stream_over_max_bytes_stores_nothing(storage, size, limit):
    with pytest.raises(TooLarge):
        storage.put_stream("rec/too-big.bin", GeneratedStream(size), max_bytes=limit)

    assert storage.head("rec/too-big.bin") is None
    assert keys(storage) == []


def test_put_stream_over_max_bytes_keeps_the_previous_object(storage):
    storage.put_bytes("rec/a.bin", b"previous")

    with pytest.raises(TooLarge):
        storage.put_stream("rec/a.bin", io.BytesIO(b"x" * 101), max_bytes=100)

    assert storage.read_bytes("rec/a.bin") == b"previous"


def test_put_stream_of_exactly_max_bytes_is_stored(storage):
    assert storage.put_stream("rec/a.bin", io.BytesIO(b"x" * 100), max_bytes=100).size == 100


@pytest.mark.parametrize("size", [2 * MiB, 12 * MiB])
def test_a_failing_stream_propagates_and_stores_nothing(storage, size):
    stream = GeneratedStream(size, fail_after=size // 2)

    with pytest.raises(StreamBroke):
        storage.put_stream("rec/broken.bin", stream)

    assert keys(storage) == []


@pytest.mark.parametrize(("move", "synced"), [(False, False), (True, False), (True, True)])
def test_put_file_copies_or_consumes_the_file(storage, tmp_path, move, synced):
    source = tmp_path / "upload.part"
    source.write_bytes(DATA)

    info = storage.put_file("rec/file.bin", source, "application/octet-stream", move=move, synced=synced)

    assert info.size == len(DATA)
    assert storage.read_bytes("rec/file.bin") == DATA
    assert source.exists() is not move


def test_overwrite_replaces_the_object(storage):
    storage.put_bytes("rec/a.txt", b"first version")
    info = storage.put_bytes("rec/a.txt", b"second")

    assert info.size == 6
    assert storage.read_bytes("rec/a.txt") == b"second"
    assert keys(storage) == ["rec/a.txt"]


def test_delete_says_whether_there_was_an_object(storage):
    storage.put_bytes("rec/a.txt", b"x")

    assert storage.delete("rec/a.txt") is True
    assert storage.head("rec/a.txt") is None
    assert storage.delete("rec/a.txt") is False


def test_list_by_prefix_is_sorted_by_key(storage):
    for key in ["b/2.txt", "a/1.txt", "a/sub/z.txt", "a-b/x.txt", "ab/y.txt", "a/0.txt"]:
        storage.put_bytes(key, key.encode())

    assert keys(storage) == [
        "a-b/x.txt",
        "a/0.txt",
        "a/1.txt",
        "a/sub/z.txt",
        "ab/y.txt",
        "b/2.txt",
    ]
    assert keys(storage, "a/") == ["a/0.txt", "a/1.txt", "a/sub/z.txt"]
    assert keys(storage, "a") == ["a-b/x.txt", "a/0.txt", "a/1.txt", "a/sub/z.txt", "ab/y.txt"]
    assert keys(storage, "a/s") == ["a/sub/z.txt"]
    assert keys(storage, "c/") == []
    assert [info.size for info in storage.list("b/")] == [len(b"b/2.txt")]


@pytest.mark.parametrize(
    "call",
    [
        lambda storage, key, path: storage.put_bytes(key, b"x"),
        lambda storage, key, path: storage.put_stream(key, io.BytesIO(b"x")),
        lambda storage, key, path: storage.put_file(key, path),
        lambda storage, key, path: storage.open(key),
        lambda storage, key, path: storage.read_bytes(key),
        lambda storage, key, path: storage.head(key),
        lambda storage, key, path: storage.delete(key),
        lambda storage, key, path: storage.local_path(key),
        lambda storage, key, path: storage.presigned_upload(key, "audio/mp4", max_bytes=10, expires_in=60),
        lambda storage, key, path: storage.presigned_download(key, expires_in=60),
    ],
    ids=[
        "put_bytes",
        "put_stream",
        "put_file",
        "open",
        "read_bytes",
        "head",
        "delete",
        "local_path",
        "presigned_upload",
        "presigned_download",
    ],
)
def test_every_method_rejects_invalid_keys(storage, tmp_path, call):
    source = tmp_path / "source.bin"
    source.write_bytes(b"x")
    accepted = []

    for key in BAD_KEYS:
        try:
            call(storage, key, source)
        except InvalidKey:
            continue
        accepted.append(key)

    assert accepted == []
    assert keys(storage) == []
    assert source.exists()


@pytest.mark.parametrize("prefix", [key for key in BAD_KEYS if key] + ["a//", "/"])
def test_list_rejects_invalid_prefixes(storage, prefix):
    with pytest.raises(InvalidKey):
        storage.list(prefix)


def test_presigned_download_serves_the_object(storage):
    storage.put_bytes("rec/voice.m4a", b"audio bytes", "audio/mp4")

    url = storage.presigned_download("rec/voice.m4a", expires_in=300, filename="Visit 1.m4a", content_type="audio/mp4")

    if storage.name == "s3":
        response = requests.get(url, timeout=10)
        assert response.status_code == 200
        assert response.content == b"audio bytes"
        assert response.headers["Content-Type"] == "audio/mp4"
        assert response.headers["Content-Disposition"] == 'attachment; filename="Visit 1.m4a"'
    else:  # served by the web app: check what its route will check
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}{parts.path}".startswith(BASE_URL + "storage/objects/")
        key = unquote(parts.path.split("/storage/objects/", 1)[1])
        query = {name: values[0] for name, values in parse_qs(parts.query).items()}
        assert (key, query["filename"], query["content_type"]) == (
            "rec/voice.m4a",
            "Visit 1.m4a",
            "audio/mp4",
        )
        verify_download(
            key,
            query["expires"],
            query["signature"],
            query["filename"],
            query["content_type"],
            SIGNING_KEY,
        )
        with pytest.raises(SignatureError):
            verify_download(key, query["expires"], query["signature"], "other.m4a", "audio/mp4", SIGNING_KEY)


def test_presigned_upload_accepts_a_phone_style_post(storage):
    upload = storage.presigned_upload("rec/phone.m4a", "audio/mp4", max_bytes=10 * MiB, expires_in=600)

    assert upload.expires_in == 600
    assert upload.max_bytes == 10 * MiB
    assert upload.fields["Content-Type"] == "audio/mp4"
    assert upload.fields["x-amz-server-side-encryption"] == "AES256"
    if storage.name == "s3":
        response = requests.post(
            upload.url,
            data=upload.fields,
            files={"file": ("phone.m4a", DATA, "audio/mp4")},  # sent after the fields
            timeout=30,
        )
        assert response.status_code == 204, response.text
        assert storage.read_bytes("rec/phone.m4a") == DATA
        assert storage.head("rec/phone.m4a").content_type == "audio/mp4"
    else:  # received by the web app: check what its route will check
        assert upload.url == BASE_URL + "storage/upload"
        policy = UploadPolicy.parse(upload.fields["policy"], upload.fields["x-amz-signature"], SIGNING_KEY)
        policy.check_fields(upload.fields)
        assert policy.key == "rec/phone.m4a"
        assert policy.content_length_range == (1, 10 * MiB)


def test_local_path_only_for_local_files(storage):
    storage.put_bytes("rec/a.txt", b"on disk")

    path = storage.local_path("rec/a.txt")

    if storage.name == "local":
        assert path.read_bytes() == b"on disk"
    else:
        assert path is None


def test_check_passes_on_a_usable_store(storage):
    storage.check()
