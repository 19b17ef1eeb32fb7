"""Input that used to pass validation and fail later: ids with a trailing newline, integers past
64 bits, free-form JSON nested or sized without bound, chunked bodies past the size limit. Each
is refused on the first request, naming the field and the reason, and nothing is kept."""

from __future__ import annotations

import io

import orjson
import pytest
import requests

from facial_backend import create_app
from facial_backend.extensions import db
from facial_backend.schemas.base import (
    FREE_JSON_MAX_BYTES,
    FREE_JSON_MAX_DEPTH,
    FREE_JSON_MAX_MEMBERS,
    FullMatch,
    free_json_problem,
    is_safe_id,
)
from storage import InvalidKey, validate_key
from tests.recording_app_client import create_session, post_chunk, staging_root, upload_status
from tests.recordings.conftest import bearer

DEEP = 950


def nested(depth: int) -> dict:
    value: dict = {}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


def deep_json(member: str, depth: int = DEEP) -> bytes:
    """A JSON object whose ``member`` is ``depth`` levels deep (orjson takes up to 1024)."""
    return f'"{member}": '.encode() + b'{"a": ' * (depth - 1) + b"{}" + b"}" * (depth - 1)


# ---------------------------------------------------------------- ids with a trailing newline

def test_patterns_match_whole_values_only():
    assert is_safe_id("v") and not is_safe_id("v\n") and not is_safe_id("v\nw")
    with pytest.raises(InvalidKey):
        validate_key("facial_recordings/s/v.webm\n")
    hex_only = FullMatch(r"^[0-9a-f]{4}$")
    assert hex_only("beef") == "beef"
    with pytest.raises(Exception, match="String does not match"):
        hex_only("beef\n")


@pytest.mark.parametrize("field, value", [
    ("video_id", "v\n"), ("file_extension", "webm\n"), ("chunk_sha256", "0" * 64 + "\n")])
def test_a_chunk_with_a_trailing_newline_is_refused_at_once(client, app, field, value):
    session_id = create_session(client)
    fields = {"video_id": "v", field: value}
    response = post_chunk(client, session_id, fields.pop("video_id"), 0, 2, b"first", **fields)
    assert response.status_code == 400, response.json
    assert field in response.json["fields"]
    assert not staging_root(app).exists() or not any(staging_root(app).iterdir())
    assert client.get(f"/api/upload/status?session_id={session_id}&video_id=v").status_code == 404


def test_a_session_id_with_a_trailing_newline_is_refused(client):
    session_id = create_session(client)
    response = post_chunk(client, session_id + "\n", "v", 0, 1, b"only")
    assert response.status_code == 400 and "session_id" in response.json["fields"]
    assert upload_status(client, session_id, "v")["code"] == "video_not_found"


# ---------------------------------------------------------------- integers past 64 bits

def test_list_offsets_past_64_bits_are_refused_by_name(client, make_user):
    response = client.get(f"/api/sessions?offset={2**63}")
    assert response.status_code == 422 and "offset" in response.json["fields"]
    assert client.get(f"/api/sessions?offset={2**63 - 1}").json == []
    _, token = make_user("alice", "recorder")
    response = client.get(f"/api/v1/recordings/?offset={2**64}", headers=bearer(token))
    assert 400 <= response.status_code < 500 and "offset" in response.json["fields"]
    response = client.get(f"/api/v1/recordings/?offset={2**63 - 1}", headers=bearer(token))
    assert response.status_code == 200 and response.json == []


def test_an_image_index_past_32_bits_is_refused_by_name(client):
    body = {"sessionId": "s1", "evaluatorId": "e", "clientId": "c", "signedUrl": "http://x/y"}
    response = client.post("/api/session/segment", json={**body, "imageIndex": 2**31})
    assert response.status_code == 400 and "imageIndex" in response.json["fields"]
    assert client.post("/api/session/segment", json={**body, "imageIndex": 2**31 - 1}).status_code == 200


# ---------------------------------------------------------------- free-form JSON

def test_free_json_bounds():
    assert free_json_problem(nested(FREE_JSON_MAX_DEPTH)) is None
    assert "levels" in free_json_problem(nested(FREE_JSON_MAX_DEPTH + 1))
    assert free_json_problem(nested(DEEP)) is not None  # walked without recursion
    assert free_json_problem({f"k{i}": i for i in range(FREE_JSON_MAX_MEMBERS)}) is None
    assert "keys" in free_json_problem({f"k{i}": i for i in range(FREE_JSON_MAX_MEMBERS + 1)})
    assert "keys" in free_json_problem([[0] * 1000, [0] * 1001])
    assert "bytes" in free_json_problem({"text": "x" * FREE_JSON_MAX_BYTES})
    assert free_json_problem({"text": "x" * 100}, max_bytes=64) is not None


def test_deeply_nested_metadata_is_refused_not_a_500(client, app):
    session_id = create_session(client)
    body = b'{"session_id": "%s", "video_id": "v", ' % session_id.encode() + deep_json("extra") + b"}"
    response = client.post("/api/upload/metadata", data=body, content_type="application/json")
    assert response.status_code == 400, response.json
    assert "levels" in str(response.json["fields"])
    assert app.extensions["storage"].head(f"facial_recordings/{session_id}/v.metadata.json") is None


def many_keys(count: int = 400_000) -> dict[str, int]:
    """Short keys, so that the body (about 3.6 MB) stays under MAX_BODY_BYTES."""
    return {base36(i): 0 for i in range(count)}


def base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, digit = divmod(number, 36)
        text = digits[digit] + text
        if not number:
            return text


def test_a_huge_metadata_document_is_refused(client, app):
    session_id = create_session(client)
    body = orjson.dumps({"session_id": session_id, "video_id": "v", **many_keys()})
    assert 3_000_000 < len(body) < 4 * 1024 * 1024
    response = client.post("/api/upload/metadata", data=body, content_type="application/json")
    assert response.status_code == 400 and "keys" in str(response.json["fields"])
    body = {"session_id": session_id, "video_id": "v", "notes": "x" * (3 * 1024 * 1024)}
    response = client.post("/api/upload/metadata", json=body)
    assert response.status_code == 400 and "bytes" in str(response.json["fields"])
    assert app.extensions["storage"].head(f"facial_recordings/{session_id}/v.metadata.json") is None


def test_note_telemetry_snapshots_are_bounded(client):
    sid = client.post("/api/sessions", json={"name": "bounds"}).json["id"]
    body = b'{"timestamp": "2026-01-01T00:00:00Z", "content": "x", ' + deep_json("telemetry_snapshot") + b"}"
    response = client.post(f"/api/sessions/{sid}/notes", data=body, content_type="application/json")
    assert response.status_code == 422 and "telemetry_snapshot" in response.json["fields"]
    response = client.post(f"/api/sessions/{sid}/notes", json={
        "timestamp": "2026-01-01T00:00:00Z", "content": "x", "telemetry_snapshot": {"speed": 3}})
    assert response.status_code in (200, 201), response.json
    assert client.get(f"/api/sessions/{sid}/notes").json[0]["telemetry_snapshot"] == {"speed": 3}


def test_client_log_contexts_are_bounded(client):
    body = b'{"message": "x", ' + deep_json("context") + b"}"
    response = client.post("/api/log/client", data=body, content_type="application/json")
    assert response.status_code == 400 and "context" in response.json["fields"]
    assert client.post("/api/log/client", json={"message": "x", "context": "plain text"}).status_code < 300


def test_recording_metadata_is_bounded(client, make_user):
    _, token = make_user("alice", "recorder")
    for body in (b"{" + deep_json("recording_metadata") + b"}",
                 orjson.dumps({"recording_metadata": many_keys()})):
        response = client.post("/api/v1/recordings/upload/complete/no-such-id", data=body,
                               content_type="application/json", headers=bearer(token))
        assert 400 <= response.status_code < 500 and response.status_code != 404, response.json
        assert "recording_metadata" in response.json["fields"]


# ---------------------------------------------------------------- chunked bodies past the limit

CHUNKED = {"Transfer-Encoding": "chunked", "Content-Type": "application/json"}


@pytest.fixture
def small_limit_client(app, app_settings):  # app: its teardown empties the tables
    small = create_app({**app_settings, "TESTING": True, "REDIS_URL": None, "MAX_BODY_BYTES": "1000"})
    yield small.test_client()
    with small.app_context():
        db.engine.dispose()


def _chunked(client, path: str, body: bytes):
    return client.post(path, input_stream=io.BytesIO(body), headers=CHUNKED,
                       environ_overrides={"wsgi.input_terminated": True})


def test_a_chunked_body_past_the_limit_is_413_not_cut(small_limit_client):
    over = b'{"name": "' + b"a" * 2000 + b'"}'
    response = _chunked(small_limit_client, "/api/sessions", over)
    assert response.status_code == 413 and response.json["code"] == "payload_too_large"
    assert small_limit_client.get("/api/sessions").json == []
    exactly = b'{"name": "' + b"a" * (1000 - 12) + b'"}'
    assert len(exactly) == 1000
    assert _chunked(small_limit_client, "/api/sessions", exactly).status_code == 422  # name too long
    assert _chunked(small_limit_client, "/api/sessions", b'{"name": "ok"}').status_code in (200, 201)


@pytest.mark.live
def test_gunicorn_answers_a_chunked_body_past_the_limit_with_413(live_server_factory):
    server = live_server_factory(extra_env={"MAX_BODY_BYTES": "64KiB"})
    over = b'{"name": "' + b"a" * (64 * 1024) + b'"}'
    pieces = (over[i:i + 8192] for i in range(0, len(over), 8192))
    response = requests.post(f"{server.base_url}/api/sessions", data=pieces, timeout=30,
                             headers={"Content-Type": "application/json"})
    assert response.request.headers.get("Transfer-Encoding") == "chunked"
    assert response.status_code == 413 and response.json()["code"] == "payload_too_large"
    assert requests.get(f"{server.base_url}/api/sessions", timeout=30).json() == []
