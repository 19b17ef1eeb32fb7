"""The browser recording app's API through Flask's test client (the app's calls plus the fixes)."""

from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import data_files
from tests.multipart import encode_multipart
from tests.recording_app_client import MIB, chunks_of, create_session, post_chunk, staging_root, stored_video


def test_create_session_accepts_empty_and_non_json_bodies(client):
    for kwargs in ({}, {"data": b""}, {"data": b"participant=x", "content_type": "text/plain"},
                   {"json": {}}, {"json": {"participant_id": "p1", "videosToRecord": 3}}):
        response = client.post("/api/session/create", **kwargs)
        assert response.status_code == 201, (kwargs, response.json)
        assert set(response.json) == {"session_id", "created_at", "status"}
        assert response.json["status"] == "created"
        assert response.json["created_at"].endswith("Z")


def test_session_json_mirror_and_get(client, app):
    session_id = create_session(client, participant_id="p-7", participant_name="Ann")
    body = client.get(f"/api/session/{session_id}").json
    assert body["participant_id"] == "p-7" and body["participant_name"] == "Ann"
    assert body["videos"] == []
    mirror = json.loads(app.extensions["storage"].read_bytes(
        f"facial_recordings/{session_id}/session.json"))
    assert mirror["session_id"] == session_id


def test_in_order_upload_completes_with_sha256(client, app):
    session_id = create_session(client)
    data = os.urandom(3 * MIB + 123)
    parts = chunks_of(data, MIB)
    for index, part in enumerate(parts[:-1]):
        response = post_chunk(client, session_id, "video_1", index, len(parts), part)
        assert response.status_code == 200
        assert response.json == {"status": "chunk_received", "chunk_index": index,
                                 "total_chunks": len(parts), "received": index + 1}
    response = post_chunk(client, session_id, "video_1", len(parts) - 1, len(parts), parts[-1])
    assert response.json == {"status": "video_complete", "video_id": "video_1",
                             "file_path": f"{session_id}/video_1.webm"}
    assert stored_video(app, session_id, "video_1") == data
    status = client.get(f"/api/upload/status?session_id={session_id}&video_id=video_1").json
    assert status["status"] == "complete"
    assert status["sha256"] == hashlib.sha256(data).hexdigest()
    assert status["size"] == len(data)
    assert status["received"] == list(range(len(parts)))
    assert not staging_root(app).exists() or not any(staging_root(app).iterdir())


def test_out_of_order_and_duplicate_chunks(client, app):
    session_id = create_session(client)
    data = os.urandom(5 * 1000 + 7)
    parts = chunks_of(data, 1000)
    order = [3, 1, 1, 5, 0, 4, 0, 2]
    for index in order[:-1]:
        response = post_chunk(client, session_id, "v", index, len(parts), parts[index])
        assert response.json["status"] == "chunk_received"
    assert response.json["received"] == 5
    status = client.get(f"/api/upload/status?session_id={session_id}&video_id=v").json
    assert status == {"session_id": session_id, "video_id": "v", "status": "receiving",
                      "total_chunks": 6, "received": [0, 1, 3, 4, 5]}
    response = post_chunk(client, session_id, "v", 2, len(parts), parts[2])
    assert response.json["status"] == "video_complete"
    assert stored_video(app, session_id, "v") == data
    status = client.get(f"/api/upload/status?session_id={session_id}&video_id=v").json
    assert status["sha256"] == hashlib.sha256(data).hexdigest()


def completion_time(app, session_id, video_id):
    from facial_backend.extensions import db
    from facial_backend.models.uploads import Video

    with app.app_context():
        return db.session.scalars(db.select(Video.completed_at).filter_by(
            session_id=session_id, video_id=video_id)).one()


def test_retried_chunks_after_completion_answer_video_complete(client, app):
    session_id = create_session(client)
    parts = [b"a" * 10, b"b" * 10, b"c" * 4]
    for index, part in enumerate(parts):
        last = post_chunk(client, session_id, "v", index, 3, part)
    completed_at = completion_time(app, session_id, "v")
    for index in (2, 0, 2):  # the last chunk's response was lost: the app sends it again
        again = post_chunk(client, session_id, "v", index, 3, parts[index])
        assert again.status_code == 200
        assert again.json == last.json
    assert completion_time(app, session_id, "v") == completed_at
    conflict = post_chunk(client, session_id, "v", 1, 3, b"X" * 10)
    assert conflict.status_code == 409
    assert conflict.json["code"] == "chunk_conflict"
    assert stored_video(app, session_id, "v") == b"".join(parts)


def test_chunk_replaced_before_completion(client, app):
    session_id = create_session(client)
    post_chunk(client, session_id, "v", 0, 3, b"first-0")
    post_chunk(client, session_id, "v", 1, 3, b"first-1")
    post_chunk(client, session_id, "v", 0, 3, b"new-00!")       # same size, appended
    post_chunk(client, session_id, "v", 1, 3, b"second-one")    # other size, appended last
    post_chunk(client, session_id, "v", 0, 3, b"zero")          # other size, not last
    response = post_chunk(client, session_id, "v", 2, 3, b"end")
    assert response.json["status"] == "video_complete"
    expected = b"zero" + b"second-one" + b"end"
    assert stored_video(app, session_id, "v") == expected
    status = client.get(f"/api/upload/status?session_id={session_id}&video_id=v").json
    assert status["sha256"] == hashlib.sha256(expected).hexdigest()
    assert status["size"] == len(expected)


def test_concurrent_final_chunks_complete_once(app):
    client = app.test_client()
    session_id = create_session(client)
    parts = [os.urandom(2000) for _ in range(8)]
    for index in range(6):
        post_chunk(client, session_id, "v", index, 8, parts[index])

    def send(index):
        return post_chunk(app.test_client(), session_id, "v", index, 8, parts[index]).json

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(send, [6, 7, 7, 6]))
    complete = [r for r in results if r["status"] == "video_complete"]
    assert complete, results
    assert all(r["file_path"] == f"{session_id}/v.webm" for r in complete)
    assert stored_video(app, session_id, "v") == b"".join(parts)


def test_session_mirror_shows_every_video_completed_at_once(app):
    """On PostgreSQL the four completions do not wait for each other's commits: each mirror
    must still be written from what is committed, the last one seeing them all."""
    client = app.test_client()
    session_id = create_session(client)
    videos = [f"v{n}" for n in range(4)]
    for video_id in videos:
        post_chunk(client, session_id, video_id, 0, 2, b"first-")

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda video_id: post_chunk(
            app.test_client(), session_id, video_id, 1, 2, b"last").json, videos))
    assert {r["status"] for r in results} == {"video_complete"}
    mirror = json.loads(app.extensions["storage"].read_bytes(f"facial_recordings/{session_id}/session.json"))
    assert {(v["video_id"], v["status"]) for v in mirror["videos"]} == {(v, "complete") for v in videos}


def test_chunk_checksum(client, app):
    session_id = create_session(client)
    good = hashlib.sha256(b"abc").hexdigest()
    response = post_chunk(client, session_id, "v", 0, 2, b"abc", chunk_sha256=good.upper())
    assert response.status_code == 200
    response = post_chunk(client, session_id, "v", 1, 2, b"def", chunk_sha256=good)
    assert response.status_code == 422
    assert response.json["code"] == "chunk_checksum_mismatch"
    assert client.get(f"/api/upload/status?session_id={session_id}&video_id=v").json["received"] == [0]


@pytest.mark.parametrize("fields, field", [
    ({"chunk_index": "x"}, "chunk_index"),
    ({"chunk_index": "1.5"}, "chunk_index"),
    ({"chunk_index": "-1"}, "chunk_index"),
    ({"chunk_index": "1_0"}, "chunk_index"),
    ({"chunk_index": " 1"}, "chunk_index"),
    ({"chunk_index": "+1"}, "chunk_index"),
    ({"chunk_index": "\u0661"}, "chunk_index"),
    ({"total_chunks": "9" * 40}, "total_chunks"),
    ({"chunk_index": "3", "total_chunks": "3"}, "chunk_index"),
    ({"total_chunks": "0"}, "total_chunks"),
    ({"total_chunks": ""}, "total_chunks"),
    ({"video_id": "../../etc/passwd"}, "video_id"),
    ({"video_id": "a/b"}, "video_id"),
    ({"video_id": ".."}, "video_id"),
    ({"video_id": "v\x00x"}, "video_id"),
    ({"session_id": "../x"}, "session_id"),
    ({"session_id": "."}, "session_id"),
    ({"file_extension": "../webm"}, "file_extension"),
    ({"file_extension": "we/bm"}, "file_extension"),
    ({"video_type": "elsewhere"}, "video_type"),
    ({"chunk_sha256": "zz"}, "chunk_sha256"),
])
def test_bad_chunk_fields_are_refused_and_leave_nothing(client, app, fields, field):
    session_id = create_session(client)
    before = data_files(Path(app.config["DATA_DIR"]))
    form = {"session_id": session_id, "video_id": "v", "chunk_index": "0", "total_chunks": "2"}
    form.update(fields)
    body, content_type = encode_multipart(form, [("chunk", "chunk_0", b"data", "application/octet-stream")])
    response = client.post("/api/upload/chunk", data=body, content_type=content_type)
    assert response.status_code == 400, response.json
    assert field in response.json["fields"]
    assert response.json["code"] == "validation_error"
    assert field in response.json["error"]
    assert data_files(Path(app.config["DATA_DIR"])) == before


def test_missing_fields_and_unknown_session(client, app):
    session_id = create_session(client)
    body, content_type = encode_multipart({"session_id": session_id})
    response = client.post("/api/upload/chunk", data=body, content_type=content_type)
    assert response.status_code == 400
    assert {"video_id", "chunk_index", "total_chunks"} <= set(response.json["fields"])
    response = post_chunk(client, session_id, "v", 0, 1, None)
    assert response.status_code == 400 and "chunk" in response.json["fields"]
    before = data_files(Path(app.config["DATA_DIR"]))
    response = post_chunk(client, "0b9a5c1e-0000-4000-8000-000000000000", "v", 0, 1, b"x")
    assert response.status_code == 404
    assert response.json["error"] == "Session not found"
    assert data_files(Path(app.config["DATA_DIR"])) == before


def test_empty_and_oversized_chunks(client, app):
    session_id = create_session(client)
    before = data_files(Path(app.config["DATA_DIR"]))
    response = post_chunk(client, session_id, "v", 0, 1, b"")
    assert response.status_code == 400 and response.json["code"] == "empty_chunk"
    response = post_chunk(client, session_id, "v", 0, 1, b"\0" * (9 * MIB))
    assert response.status_code == 413
    assert response.is_json and response.json["code"] in ("payload_too_large", "chunk_too_large")
    assert data_files(Path(app.config["DATA_DIR"])) == before


def test_total_chunks_and_extension_must_not_change(client):
    session_id = create_session(client)
    post_chunk(client, session_id, "v", 0, 3, b"x")
    response = post_chunk(client, session_id, "v", 1, 4, b"y")
    assert response.status_code == 400 and "total_chunks" in response.json["fields"]
    response = post_chunk(client, session_id, "v", 1, 3, b"y", file_extension="mp4")
    assert response.status_code == 400 and "file_extension" in response.json["fields"]


def test_metadata_retry_lists_video_once_and_links_on_completion(client, app):
    session_id = create_session(client)
    post_chunk(client, session_id, "video_9", 0, 2, b"first")
    metadata = {"session_id": session_id, "video_id": "video_9", "videoId": "video_9",
                "prompt_id": "smile", "duration": 4.5, "file_size": 10, "codec": "vp9",
                "resolution": "1280x960", "frame_rate": 30}
    for _ in range(2):
        response = client.post("/api/upload/metadata", json=metadata)
        assert response.json == {"status": "metadata_saved", "video_id": "video_9"}
    videos = client.get(f"/api/session/{session_id}").json["videos"]
    assert len(videos) == 1 and videos[0]["status"] == "receiving"
    assert videos[0]["prompt_id"] == "smile" and videos[0]["codec"] == "vp9"
    post_chunk(client, session_id, "video_9", 1, 2, b"second")
    video = client.get(f"/api/session/{session_id}").json["videos"][0]
    assert video["status"] == "complete" and video["size"] == 11
    assert video["sha256"] == hashlib.sha256(b"firstsecond").hexdigest()
    stored = json.loads(app.extensions["storage"].read_bytes(
        f"facial_recordings/{session_id}/video_9.metadata.json"))
    assert stored == metadata


@pytest.mark.parametrize("patch, field", [
    ({"file_size": "big"}, "file_size"), ({"file_size": None}, None), ({"duration": -1}, "duration"),
    ({"frame_rate": True}, "frame_rate"), ({"video_id": "../x"}, "video_id"), ({"session_id": None}, "session_id"),
])
def test_metadata_validation(client, patch, field):
    session_id = create_session(client)
    body = {"session_id": session_id, "video_id": "v", "file_size": 5, **patch}
    response = client.post("/api/upload/metadata", json=body)
    if field is None:
        assert response.status_code == 200
    else:
        assert response.status_code == 400 and field in response.json["fields"]


def test_metadata_unknown_session_and_bad_json(client):
    response = client.post("/api/upload/metadata", json={"session_id": "nope", "video_id": "v"})
    assert response.status_code == 404
    response = client.post("/api/upload/metadata", data=b"{not json", content_type="application/json")
    assert response.status_code == 400 and response.json["code"] == "invalid_json"


def test_download_video_needs_operator_and_supports_range(client, app, make_user):
    session_id = create_session(client)
    data = bytes(range(256)) * 40
    post_chunk(client, session_id, "v", 0, 1, data)
    url = f"/api/session/{session_id}/videos/v"
    assert client.get(url).status_code == 401
    _, recorder = make_user("rec", "recorder")
    assert client.get(url, headers={"Authorization": f"Bearer {recorder}"}).status_code == 403
    _, operator = make_user("op", "operator")
    headers = {"Authorization": f"Bearer {operator}"}
    with client.get(url, headers=headers) as response:
        if app.config["STORAGE_BACKEND"] == "s3":
            assert response.status_code == 302
            return
        assert response.status_code == 200 and response.data == data
        assert response.mimetype == "video/webm"
    with client.get(url, headers={**headers, "Range": "bytes=10-19"}) as partial:
        assert partial.status_code == 206 and partial.data == data[10:20]
    assert client.get(f"/api/session/{session_id}/videos/nope", headers=headers).status_code == 404


@pytest.mark.parametrize("url, status, field", [
    ("/api/upload/status?session_id=../{sid}&video_id=v", 400, "session_id"),
    ("/api/upload/status?session_id={sid}&video_id=%2e%2e%2fv", 400, "video_id"),
    ("/api/session/..%2F{sid}/videos/v", 404, None),
    ("/api/session/{sid}/videos/..%2Fsession.json", 404, None),
    ("/api/session/{sid}/videos/..", 404, None),
    ("/api/session/{sid}/videos/v%00", 404, None),
    ("/api/session/%2e%2e/videos/v", 404, None),
])
def test_path_tricks_in_read_ids_get_json_errors(client, make_user, url, status, field):
    session_id = create_session(client)
    post_chunk(client, session_id, "v", 0, 1, b"video bytes")
    _, operator = make_user("op", "operator")
    response = client.get(url.format(sid=session_id), headers={"Authorization": f"Bearer {operator}"})
    assert response.status_code == status and response.is_json
    assert b"video bytes" not in response.data
    if field:
        assert field in response.json["fields"]
