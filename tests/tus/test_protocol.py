"""tus 1.0.0 core and extensions through the Flask test client: creation (with upload, deferred
length), HEAD, PATCH, termination, expiration, checksum, OPTIONS and CORS."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from facial_backend.extensions import db
from facial_backend.models.tus import TusUpload
from tests.conftest import data_files
from tests.tus.tus_client import (
    TUS,
    checksum,
    create,
    head,
    new_session,
    patch,
    video_metadata,
)

MIB = 1024 * 1024


def test_options_advertises_the_protocol(client, app):
    response = client.options("/files/")
    assert response.status_code == 204
    assert response.headers["Tus-Version"] == "1.0.0"
    assert response.headers["Tus-Extension"].split(",") == [
        "creation", "creation-with-upload", "creation-defer-length", "termination", "expiration",
        "checksum"]
    assert int(response.headers["Tus-Max-Size"]) == app.config["TUS_MAX_SIZE"]
    assert response.headers["Tus-Checksum-Algorithm"] == "sha1,sha256"


def test_cors_lets_a_browser_read_the_tus_headers(client):
    preflight = client.options("/files/abc", headers={
        "Origin": "http://page.example", "Access-Control-Request-Method": "PATCH",
        "Access-Control-Request-Headers": "tus-resumable,upload-offset,content-type"})
    assert preflight.status_code in (200, 204)
    assert "PATCH" in preflight.headers["Access-Control-Allow-Methods"]
    assert "upload-offset" in preflight.headers["Access-Control-Allow-Headers"].lower()
    session_id = new_session(client)
    created = create(client, 10, video_metadata(session_id), headers={"Origin": "http://page.example"})
    exposed = {name.strip().lower() for name in created.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"location", "upload-offset", "upload-length", "upload-expires", "tus-resumable"} <= exposed


def test_video_upload_in_patches_becomes_the_chunk_routes_video(client, app):
    session_id = new_session(client)
    data = os.urandom(3 * MIB + 17)
    created = create(client, len(data), video_metadata(session_id, "video_tus", "take.webm"))
    assert created.status_code == 201, created.get_json()
    location = created.headers["Location"]
    assert location.startswith("http://localhost/files/")
    assert created.headers["Upload-Offset"] == "0" and created.headers["Upload-Expires"].endswith("GMT")
    state = head(client, location)
    assert (state.status_code, state.headers["Upload-Offset"], state.headers["Upload-Length"]) == \
        (200, "0", str(len(data)))
    assert state.headers["Cache-Control"] == "no-store" and state.headers["Tus-Resumable"] == "1.0.0"
    for start in range(0, len(data), MIB):
        answer = patch(client, location, start, data[start:start + MIB])
        assert answer.status_code == 204, answer.get_json()
        assert answer.headers["Upload-Offset"] == str(min(start + MIB, len(data)))
    session = client.get(f"/api/session/{session_id}").get_json()
    [video] = session["videos"]
    assert video["video_id"] == "video_tus" and video["status"] == "complete"
    assert video["sha256"] == hashlib.sha256(data).hexdigest() and video["size"] == len(data)
    assert video["file_path"] == f"{session_id}/video_tus.webm"
    stored = app.extensions["storage"].read_bytes(f"facial_recordings/{session_id}/video_tus.webm")
    assert stored == data
    mirror = app.extensions["storage"].read_bytes(f"facial_recordings/{session_id}/session.json")
    assert b"video_tus" in mirror
    status = client.get("/api/upload/status", query_string={"session_id": session_id, "video_id": "video_tus"})
    assert status.get_json()["sha256"] == video["sha256"]
    done = head(client, location)
    assert done.headers["Upload-Offset"] == str(len(data)) and "Upload-Expires" not in done.headers
    assert not any(name.startswith(".staging/tus/") and name.count("/") > 2
                   for name in data_files(Path(app.config["DATA_DIR"])))


def test_creation_with_upload_and_extension_from_filetype(client, app):
    session_id = new_session(client)
    data = os.urandom(5000)
    meta = video_metadata(session_id, "with_body", "whatever.bin").replace(
        "filetype dmlkZW8vd2VibQ==", "filetype dmlkZW8vbXA0")  # video/mp4
    created = create(client, len(data), meta, body=data[:3000])
    assert created.status_code == 201 and created.headers["Upload-Offset"] == "3000"
    done = patch(client, created.headers["Location"], 3000, data[3000:])
    assert done.status_code == 204
    assert app.extensions["storage"].read_bytes(f"facial_recordings/{session_id}/with_body.mp4") == data


def test_deferred_length_is_given_by_a_later_patch(client, app):
    session_id = new_session(client)
    data = os.urandom(4000)
    created = create(client, None, video_metadata(session_id, "deferred"))
    location = created.headers["Location"]
    assert head(client, location).headers["Upload-Defer-Length"] == "1"
    assert patch(client, location, 0, data[:1000]).status_code == 204
    last = patch(client, location, 1000, data[1000:], headers={"Upload-Length": str(len(data))})
    assert last.status_code == 204 and last.headers["Upload-Offset"] == "4000"
    state = head(client, location)
    assert state.headers["Upload-Length"] == "4000" and "Upload-Defer-Length" not in state.headers
    assert app.extensions["storage"].read_bytes(f"facial_recordings/{session_id}/deferred.webm") == data


def test_wrong_offset_is_a_conflict_and_changes_nothing(client):
    session_id = new_session(client)
    location = create(client, 100, video_metadata(session_id)).headers["Location"]
    assert patch(client, location, 0, b"a" * 10).status_code == 204
    for offset in (0, 5, 11, 100):
        answer = patch(client, location, offset, b"b" * 10)
        assert answer.status_code == 409
        body = answer.get_json()
        assert body["code"] == "upload_offset_mismatch" and "Upload-Offset" in body["fields"]
        assert body["request_id"]
    assert head(client, location).headers["Upload-Offset"] == "10"


def test_checksum_extension(client, app):
    session_id = new_session(client)
    data = os.urandom(2000)
    location = create(client, len(data), video_metadata(session_id, "summed")).headers["Location"]
    good = patch(client, location, 0, data[:1000], headers={"Upload-Checksum": checksum("sha1", data[:1000])})
    assert good.status_code == 204
    bad = patch(client, location, 1000, data[1000:],
                headers={"Upload-Checksum": checksum("sha256", b"something else")})
    assert bad.status_code == 460 and bad.get_json()["code"] == "checksum_mismatch"
    assert head(client, location).headers["Upload-Offset"] == "1000"
    unknown = patch(client, location, 1000, data[1000:], headers={"Upload-Checksum": "md5 AAAA"})
    assert unknown.status_code == 400 and "Upload-Checksum" in unknown.get_json()["fields"]
    last = patch(client, location, 1000, data[1000:], headers={"Upload-Checksum": checksum("sha256", data[1000:])})
    assert last.status_code == 204
    assert app.extensions["storage"].read_bytes(f"facial_recordings/{session_id}/summed.webm") == data


def test_termination_removes_the_upload_and_its_bytes(client, app):
    session_id = new_session(client)
    location = create(client, 100, video_metadata(session_id, "dropped")).headers["Location"]
    assert patch(client, location, 0, b"x" * 40).status_code == 204
    [video] = client.get(f"/api/session/{session_id}").get_json()["videos"]
    assert (video["video_id"], video["status"]) == ("dropped", "receiving")
    assert client.delete(location, headers=TUS).status_code == 204
    assert client.get(f"/api/session/{session_id}").get_json()["videos"] == []
    assert head(client, location).status_code == 404
    assert patch(client, location, 40, b"x").status_code == 404
    assert [name for name in data_files(Path(app.config["DATA_DIR"]))
            if name.startswith(".staging/tus")] == []


def test_expired_upload_is_gone_and_purged(client, app, runner):
    session_id = new_session(client)
    location = create(client, 100, video_metadata(session_id, "late")).headers["Location"]
    assert patch(client, location, 0, b"x" * 40).status_code == 204
    upload_id = location.rsplit("/", 1)[1]
    with app.app_context():
        upload = db.session.get(TusUpload, upload_id)
        upload.expires_at = upload.created_at
        db.session.commit()
    assert head(client, location).status_code == 410
    gone = patch(client, location, 40, b"x")
    assert gone.status_code == 410 and gone.get_json()["code"] == "upload_expired"
    result = runner.invoke(args=["uploads", "purge"])
    assert result.exit_code == 0, result.output
    assert f"removed tus upload {upload_id}" in result.output
    assert head(client, location).status_code == 404
    assert not (Path(app.config["DATA_DIR"]) / ".staging" / "tus" / upload_id).exists()
    assert client.get(f"/api/session/{session_id}").get_json()["videos"] == []
