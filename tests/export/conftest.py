"""Sessions of every kind, filled through the clients' own routes (chunked video upload,
segment POST, testbed notes/telemetry/STT, the iPhone presigned upload), and helpers that
unzip an export and check it against its manifest."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import zipfile
from dataclasses import dataclass, field

import pytest

from facial_backend.auth import issue_token
from facial_backend.extensions import db, socketio
from facial_backend.services.shared.users import get_by_username, seed_demo_users
from tests.recording_app_client import MIB, chunks_of, create_session, post_chunk
from tests.recordings.conftest import bearer, uploaded_recording


@dataclass
class Filled:
    """A session and what was put in it: media bytes by (kind, id), note contents, points."""

    session_id: str
    media: dict[tuple[str, str], bytes] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    points: int = 0
    transcripts: set[tuple[str, str]] = field(default_factory=set)


@pytest.fixture
def operator(make_user):
    return make_user("ops", "operator")


@pytest.fixture
def recording_session(client) -> Filled:
    """A recording-app session with two finished videos (one of several chunks)."""
    session_id = create_session(client, participant_id="p-1", participant_name="Pat")
    filled = Filled(session_id)
    for video_id, data in (("video_1", os.urandom(2 * MIB + 12345)), ("video_2", os.urandom(4000))):
        parts = chunks_of(data, MIB)
        for index, part in enumerate(parts):
            response = post_chunk(client, session_id, video_id, index, len(parts), part)
            assert response.status_code == 200, response.json
        filled.media[("video", video_id)] = data
    response = client.post("/api/upload/metadata", json={"session_id": session_id, "video_id": "video_1",
                                                         "metadata": {"prompt": "smile"}})
    assert response.status_code == 200, response.json
    return filled


@pytest.fixture
def demo_tokens(app):
    """The origin's demo users (evaluator1, client1, ...); returns {username: token}."""
    with app.app_context():
        seed_demo_users()
        with app.test_request_context():
            return {name: issue_token(get_by_username(name)) for name in ("evaluator1", "evaluator2", "client1")}


@pytest.fixture
def live_session(app, client, demo_tokens, run_stt_jobs) -> Filled:
    """A live session started over Socket.IO, with three transcribed audio segments."""
    app.config.update(STT_ENGINE="fake", STT_SEGMENTS=True)
    peers = [socketio.test_client(app, flask_test_client=client) for _ in range(2)]
    peers[0].emit("register", {"userId": "client1", "role": "client", "package": "socketio"})
    peers[1].emit("register", {"userId": "evaluator1", "role": "evaluator", "package": "socketio"})
    peers[1].get_received()
    peers[1].emit("start_session", {"clientId": "client1"})
    [started] = [m["args"][0] for m in peers[1].get_received() if m["name"] == "session_started"]
    for peer in peers:
        peer.disconnect()
    filled = Filled(started["sessionId"])
    session_id = filled.session_id
    for index in range(3):
        audio = os.urandom(3000 + index)
        response = client.post("/api/session/segment", json={
            "sessionId": session_id, "evaluatorId": "evaluator1", "clientId": "client1", "imageIndex": index,
            "signedUrl": f"https://img/{index}", "audioBase64": base64.b64encode(audio).decode()})
        assert response.status_code == 200, response.json
        filled.media[("segment", response.json["segmentId"])] = audio
        filled.transcripts.add(("segment", response.json["segmentId"]))
    assert run_stt_jobs() == ["done"] * 3
    return filled


@pytest.fixture
def testbed_session(app, client, make_user, run_stt_jobs) -> Filled:
    """A testbed session with notes, telemetry, an iPhone recording and uploaded audio that a
    task each transcribed, and a task an outside module answered with text only."""
    app.config.update(STT_ENGINE="fake")
    _, phone_token = make_user("phone", "recorder")
    recording_audio = b"\x00\x00\x00\x20ftypM4A " + os.urandom(5000)
    recording_id = uploaded_recording(client, phone_token, recording_audio)
    created = client.post("/api/sessions", json={"name": "Bench run 7", "description": "export test"})
    assert created.status_code in (200, 201), created.json
    session_id = created.json["id"]
    filled = Filled(session_id, points=250)
    filled.media[("recording", recording_id)] = recording_audio
    for text in ("Started the rig", "Smile detected, **strong**", "Ended"):
        note = {"content": text, "speaker": "Op", "timestamp": f"2026-12-06T10:00:0{len(filled.notes)}Z"}
        response = client.post(f"/api/sessions/{session_id}/notes", json=note)
        assert response.status_code in (200, 201), response.json
        filled.notes.append(text)
    points = [{"channel": f"ch{i % 3}", "value": i / 7, "unit": "V",
               "timestamp": f"2026-12-06T10:{i // 60:02d}:{i % 60:02d}Z"} for i in range(filled.points)]
    response = client.post(f"/api/sessions/{session_id}/telemetry/batch", json={"data": points})
    assert response.status_code in (200, 201), response.json
    task = client.post(f"/api/sessions/{session_id}/stt/tasks", json={"audio_chunk_id": "rec",
                                                                    "recording_id": recording_id},
                       headers=bearer(phone_token))
    assert task.status_code in (200, 201), task.json
    upload_audio = os.urandom(2500)
    uploaded = client.post(f"/api/sessions/{session_id}/stt/upload",
                           data={"file": (io.BytesIO(upload_audio), "take.wav", "audio/wav")},
                           content_type="multipart/form-data")
    assert uploaded.status_code in (200, 201, 202), uploaded.json
    filled.media[("stt_audio", uploaded.json["id"])] = upload_audio
    outside = client.post(f"/api/sessions/{session_id}/stt/tasks", json={"audio_chunk_id": "outside"})
    done = client.put(f"/api/sessions/{session_id}/stt/tasks/{outside.json['id']}",
                      json={"status": "done", "transcript": "text from the AI module"})
    assert done.status_code == 200, done.json
    assert set(run_stt_jobs()) == {"done"}  # the recording's own job, the task's, the upload's
    filled.transcripts |= {("recording", recording_id), ("stt_task", task.json["id"]),
                           ("stt_task", uploaded.json["id"]), ("stt_task", outside.json["id"])}
    return filled


def verified_zip(data: bytes) -> tuple[zipfile.ZipFile, dict]:
    """Open an export, check that the manifest lists exactly the other files, each with its
    true size and SHA-256; returns the archive and the manifest."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    manifest = json.loads(archive.read("manifest.json"))
    listed = {entry["path"]: entry for entry in manifest["files"]}
    assert sorted(listed) == sorted(name for name in archive.namelist() if name != "manifest.json")
    for path, entry in listed.items():
        content = archive.read(path)
        assert entry["size"] == len(content), path
        assert entry["sha256"] == hashlib.sha256(content).hexdigest(), path
    return archive, manifest


def media_by_source(archive: zipfile.ZipFile, manifest: dict) -> dict[tuple[str, str], bytes]:
    return {(entry["source"]["kind"], entry["source"]["id"]): archive.read(entry["path"])
            for entry in manifest["files"] if entry["role"] == "media"}


def transcript_sources(manifest: dict) -> set[tuple[str, str]]:
    return {(entry["source"]["kind"], entry["source"]["id"])
            for entry in manifest["files"] if entry["role"] == "transcript"}


def audit_rows(app, **filters):
    from facial_backend.schemas.audit import AuditEventSchema
    from facial_backend.services.shared import audit
    with app.app_context():
        rows = [AuditEventSchema().dump(event) for event in audit.list_events(**filters)]
        db.session.remove()
        return rows
