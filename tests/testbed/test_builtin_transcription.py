"""Testbed STT tasks transcribed by the built-in worker: tasks pointing at stored audio, and
``POST /stt/upload`` with ``transcript.chunk.ready`` events; tasks without audio still wait for
an outside module's PUT."""

from __future__ import annotations

import base64
import importlib.util
import os
from pathlib import Path

import pytest
import requests

from facial_backend.extensions import db
from facial_backend.models.stt_jobs import SttJob
from facial_backend.stt.engines import FAKE_TEXT
from tests.multipart import encode_multipart
from tests.testbed.conftest import WsClient

FIXTURES = Path(__file__).resolve().parents[1] / "stt" / "fixtures"




def job_count(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(SttJob))


def segment_in(client, sid: str) -> str:
    response = client.post("/api/session/segment", json={
        "sessionId": sid, "evaluatorId": "evaluator1", "clientId": "client1", "imageIndex": 0,
        "signedUrl": "u", "audioBase64": base64.b64encode(b"\x00\x00\x00\x20ftypM4A audio").decode()})
    assert response.status_code == 200, response.json
    return response.json["segmentId"]


def upload(client, sid: str, data: bytes, content_type: str = "audio/m4a"):
    body, form_type = encode_multipart({}, [("file", "memo.m4a", data, content_type)])
    return client.post(f"/api/sessions/{sid}/stt/upload", data=body, content_type=form_type)


def events_of(socketio_client) -> list[tuple[str, dict]]:
    return [(item["name"], item["args"][0]["data"]) for item in socketio_client.get_received()]


def test_task_pointing_at_a_segment_is_transcribed(client, app, sid, socketio_client, run_stt_jobs):
    app.config["STT_ENGINE"] = "fake"
    socketio_client.emit("subscribe", {"session_id": sid}, callback=True)
    segment_id = segment_in(client, sid)
    task = client.post(f"/api/sessions/{sid}/stt/tasks",
                       json={"audio_chunk_id": "c1", "segment_id": segment_id}).json
    assert task["status"] == "pending"
    assert run_stt_jobs() == ["done"]
    done = client.get(f"/api/sessions/{sid}/stt/tasks/{task['id']}").json
    assert done["status"] == "done" and done["transcript"] == FAKE_TEXT
    names = [name for name, _ in events_of(socketio_client)]
    assert names == ["connected", "segment.stored", "stt.task.created", "transcript.chunk.ready",
                     "stt.task.done"]


def test_tasks_without_audio_or_engine_wait_for_an_outside_module(client, app, sid, run_stt_jobs):
    app.config["STT_ENGINE"] = "fake"
    plain = client.post(f"/api/sessions/{sid}/stt/tasks", json={"audio_chunk_id": "c1"}).json
    app.config["STT_ENGINE"] = "none"
    segment_id = segment_in(client, sid)
    pointed = client.post(f"/api/sessions/{sid}/stt/tasks",
                          json={"audio_chunk_id": "c2", "segment_id": segment_id}).json
    assert job_count(app) == 0 and run_stt_jobs() == []
    for task in (plain, pointed):
        result = client.put(f"/api/sessions/{sid}/stt/tasks/{task['id']}",
                            json={"status": "done", "transcript": "from the AI module"}).json
        assert result["status"] == "done" and result["transcript"] == "from the AI module"


def test_an_outside_result_first_is_not_overwritten(client, app, sid, run_stt_jobs):
    app.config["STT_ENGINE"] = "fake"
    task = client.post(f"/api/sessions/{sid}/stt/tasks",
                       json={"audio_chunk_id": "c1", "segment_id": segment_in(client, sid)}).json
    client.put(f"/api/sessions/{sid}/stt/tasks/{task['id']}", json={"status": "done", "transcript": "outside"})
    assert run_stt_jobs() == ["done"]
    assert client.get(f"/api/sessions/{sid}/stt/tasks/{task['id']}").json["transcript"] == "outside"


def test_upload_route(client, app, sid, socketio_client, run_stt_jobs):
    app.config["STT_ENGINE"] = "none"
    refused = upload(client, sid, b"audio")
    assert refused.status_code == 409 and refused.json["code"] == "transcription_disabled"
    app.config["STT_ENGINE"] = "fake"
    assert upload(client, sid, b"audio", "text/plain").status_code == 422
    assert upload(client, "sess_nope", b"audio").status_code == 404
    body, form_type = encode_multipart({"other": "x"})
    missing = client.post(f"/api/sessions/{sid}/stt/upload", data=body, content_type=form_type)
    assert missing.status_code == 422 and "file" in missing.json["fields"]
    assert list(app.extensions["storage"].list("testbed/")) == []  # refusals store nothing

    socketio_client.emit("subscribe", {"session_id": sid}, callback=True)
    created = upload(client, sid, b"\x00\x00\x00\x20ftypM4A audio")
    assert created.status_code == 201 and created.json["status"] == "pending"
    assert run_stt_jobs() == ["done"]
    received = events_of(socketio_client)
    assert [name for name, _ in received] == ["connected", "stt.task.created", "transcript.chunk.ready",
                                              "stt.task.done"]
    assert received[2][1]["task_id"] == created.json["id"] and received[2][1]["text"] == FAKE_TEXT
    assert received[3][1]["transcript"] == FAKE_TEXT


@pytest.mark.stt
@pytest.mark.live
def test_upload_transcribed_by_a_real_worker_reaches_websocket_subscribers(
        live_server_factory, worker_process, redis_url):
    if importlib.util.find_spec("faster_whisper") is None:
        (pytest.fail if os.environ.get("CI") else pytest.skip)("requirements-stt.txt is not installed")
    settings = {"STT_ENGINE": "local", "REDIS_URL": redis_url}
    server = live_server_factory(settings)
    worker_process(settings, "--poll-interval", "0.2")
    sid = requests.post(f"{server.base_url}/api/sessions", json={"name": "stt run"}, timeout=30).json()["id"]
    subscriber = WsClient(server.base_url, sid)
    subscriber.ws.settimeout(120)  # the first text comes after decoding and transcribing
    try:
        assert subscriber.next()["event"] == "connected"
        audio = (FIXTURES / "speech.wav").read_bytes()
        response = requests.post(f"{server.base_url}/api/sessions/{sid}/stt/upload", timeout=60,
                                 files={"file": ("speech.wav", audio, "audio/wav")})
        assert response.status_code == 201, response.text
        assert subscriber.next()["event"] == "stt.task.created"
        chunks = []
        while (event := subscriber.next())["event"] == "transcript.chunk.ready":
            chunks.append(event["data"]["text"])
        assert event["event"] == "stt.task.done" and chunks
        from tests.stt.speech import SPEECH, word_error_rate  # numpy comes with requirements-stt.txt
        assert word_error_rate(SPEECH["speech.wav"][-1], event["data"]["transcript"]) < 0.3
    finally:
        subscriber.close()


def test_upload_keeps_the_frontends_form_fields_and_chunk_events(client, app, sid, socketio_client,
                                                                   run_stt_jobs):
    """As the testbed frontend sends a chunk: ``audio_chunk_id`` and ``duration_seconds`` beside
    the file; it reads ``transcript`` (the text so far) of each ``transcript.chunk.ready``."""
    app.config["STT_ENGINE"] = "fake"
    socketio_client.emit("subscribe", {"session_id": sid}, callback=True)
    body, form_type = encode_multipart({"audio_chunk_id": "chunk-0007", "duration_seconds": "3.5"},
                                       [("file", "blob.webm", b"\x1a\x45\xdf\xa3 webm audio", "audio/webm")])
    created = client.post(f"/api/sessions/{sid}/stt/upload", data=body, content_type=form_type)
    assert created.status_code == 201 and created.json["status"] == "pending"
    assert created.json["audio_chunk_id"] == "chunk-0007" and created.json["duration_seconds"] == 3.5
    assert run_stt_jobs() == ["done"]
    chunk = dict(events_of(socketio_client))["transcript.chunk.ready"]
    assert chunk == {**chunk, "id": created.json["id"], "audio_chunk_id": "chunk-0007", "delta": FAKE_TEXT,
                     "transcript": FAKE_TEXT, "is_final": False}
    body, form_type = encode_multipart({"duration_seconds": "-1"}, [("file", "a.m4a", b"x", "audio/m4a")])
    refused = client.post(f"/api/sessions/{sid}/stt/upload", data=body, content_type=form_type)
    assert refused.status_code == 422 and "duration_seconds" in refused.json["fields"]


@pytest.mark.live
def test_upload_answers_the_finished_task_within_the_wait(live_server_factory, worker_process):
    """With STT_UPLOAD_WAIT the frontend gets its transcript in the answer (200), as the origin's
    synchronous upload gave it; a worker process transcribes meanwhile."""
    settings = {"STT_ENGINE": "fake", "STT_UPLOAD_WAIT": "60s"}
    server = live_server_factory(settings)
    worker = worker_process(settings, "--poll-interval", "0.1")
    worker.wait_for("started (engine fake)")
    sid = requests.post(f"{server.base_url}/api/sessions", json={"name": "sync"}, timeout=30).json()["id"]
    answer = requests.post(f"{server.base_url}/api/sessions/{sid}/stt/upload", timeout=90,
                           data={"audio_chunk_id": "chunk-1"},
                           files={"file": ("a.m4a", b"\x00\x00\x00\x20ftypM4A audio", "audio/m4a")})
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "done" and answer.json()["transcript"] == FAKE_TEXT
