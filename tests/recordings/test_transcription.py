"""iPhone recordings transcribed by the built-in engine: uploaded -> processing -> transcribed|failed."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest
import requests

from facial_backend.extensions import db
from facial_backend.models.stt_jobs import SttJob
from facial_backend.stt.engines import FAKE_TEXT, FakeEngine
from tests.recordings.conftest import APPOINTMENT, bearer, uploaded_recording

FIXTURES = Path(__file__).resolve().parents[1] / "stt" / "fixtures"


def jobs_of(app, recording_id: str) -> list[SttJob]:
    with app.app_context():
        return list(db.session.scalars(db.select(SttJob).filter_by(source_kind="recording",
                                                                  source_id=recording_id)))




def test_no_engine_no_job(client, app, alice):
    _, token = alice
    recording_id = uploaded_recording(client, token)
    assert jobs_of(app, recording_id) == []
    response = client.post(f"/api/v1/recordings/{recording_id}/transcribe", headers=bearer(token))
    assert response.status_code == 409 and response.json["code"] == "transcription_disabled"
    assert jobs_of(app, recording_id) == []


def test_recording_is_transcribed_by_the_worker(client, app, alice, run_stt_jobs):
    app.config["STT_ENGINE"] = "fake"
    _, token = alice
    recording_id = uploaded_recording(client, token)
    again = client.post(f"/api/v1/recordings/upload/complete/{recording_id}", json={}, headers=bearer(token))
    assert again.status_code == 200
    assert [job.status for job in jobs_of(app, recording_id)] == ["queued"]
    body = client.get(f"/api/v1/recordings/{recording_id}", headers=bearer(token)).json
    assert body["status"] == "uploaded" and body["is_transcribed"] is False

    assert run_stt_jobs() == ["done"]
    body = client.get(f"/api/v1/recordings/{recording_id}", headers=bearer(token)).json
    assert body["status"] == "transcribed" and body["is_transcribed"] is True
    assert body["transcript_text"] == FAKE_TEXT and body["transcript_confidence"] == 1.0
    assert body["transcription_service"] == "fake" and body["transcript_language"] == "en"
    assert body["processing_started_at"] <= body["processing_completed_at"]
    assert body["is_processing"] is False


class BrokenEngine(FakeEngine):
    def transcribe(self, data, **kwargs):
        from facial_backend.stt.errors import PermanentError
        raise PermanentError("undecodable audio: not an audio file")


def test_failed_transcription_is_recorded_and_can_be_retried(client, app, alice, bob, run_stt_jobs):
    app.config["STT_ENGINE"] = "fake"
    _, token = alice
    recording_id = uploaded_recording(client, token)
    assert run_stt_jobs(BrokenEngine()) == ["failed"]
    body = client.get(f"/api/v1/recordings/{recording_id}", headers=bearer(token)).json
    assert body["status"] == "failed"
    with app.app_context():
        from facial_backend.models.recordings import Recording
        recording = db.session.get(Recording, recording_id)
        assert "undecodable" in recording.processing_error
        assert [change.status for change in recording.status_changes][-3:] == ["uploaded", "processing", "failed"]

    assert client.post(f"/api/v1/recordings/{recording_id}/transcribe",
                       headers=bearer(bob[1])).status_code == 404
    first = client.post(f"/api/v1/recordings/{recording_id}/transcribe", headers=bearer(token))
    second = client.post(f"/api/v1/recordings/{recording_id}/transcribe", headers=bearer(token))
    assert first.status_code == second.status_code == 202
    assert first.json["job_id"] == second.json["job_id"] and first.json["status"] == "queued"
    assert run_stt_jobs() == ["done"]
    assert client.get(f"/api/v1/recordings/{recording_id}", headers=bearer(token)).json["status"] == "transcribed"


@pytest.mark.stt
@pytest.mark.live
def test_phone_flow_transcribed_by_a_real_worker(live_server_factory, worker_process, make_user):
    if importlib.util.find_spec("faster_whisper") is None:
        (pytest.fail if os.environ.get("CI") else pytest.skip)("requirements-stt.txt is not installed")
    server = live_server_factory({"STT_ENGINE": "local"})
    worker = worker_process({"STT_ENGINE": "local"}, "--poll-interval", "0.2")
    make_user("vet", "recorder", password="vet-pass")
    base = server.base_url
    token = requests.post(f"{base}/api/v1/auth/token", data={"username": "vet", "password": "vet-pass"},
                          timeout=30).json()["access_token"]
    started = requests.post(f"{base}/api/v1/recordings/upload/initiate", headers=bearer(token), timeout=30,
                            json={"appointment_id": APPOINTMENT, "filename": "memo.m4a",
                                  "content_type": "audio/m4a"}).json()
    audio = (FIXTURES / "speech.m4a").read_bytes()
    upload = requests.post(started["upload_url"], data=started["upload_fields"],
                           files={"file": ("memo.m4a", audio, "audio/m4a")}, timeout=60)
    assert upload.status_code == 204
    recording_id = started["recording_id"]
    done = requests.post(f"{base}/api/v1/recordings/upload/complete/{recording_id}", json={},
                         headers=bearer(token), timeout=30)
    assert done.status_code == 200
    worker.wait_for(f"(recording {recording_id}): attempt 1", timeout=120)
    worker.wait_for(": done", timeout=300)
    body = requests.get(f"{base}/api/v1/recordings/{recording_id}", headers=bearer(token), timeout=30).json()
    assert body["status"] == "transcribed" and body["is_transcribed"] is True

    from tests.stt.speech import SPEECH, word_error_rate  # numpy comes with requirements-stt.txt
    assert word_error_rate(SPEECH["speech.m4a"][-1], body["transcript_text"]) < 0.3
