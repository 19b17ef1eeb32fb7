"""``flask stt transcribe``, ``enqueue`` and ``job``."""

from __future__ import annotations

import json
import signal

from facial_backend.extensions import db
from facial_backend.models.stt_jobs import SttJob
from facial_backend.stt.engines import FAKE_TEXT
from tests.stt.conftest import FIXTURES


def test_transcribe_prints_the_text(stt_app):
    result = stt_app.test_cli_runner().invoke(
        args=["stt", "transcribe", "--engine", "fake", str(FIXTURES / "speech.wav")])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == FAKE_TEXT


def test_transcribe_json_and_errors(stt_app, tmp_path):
    runner = stt_app.test_cli_runner()
    result = runner.invoke(args=["stt", "transcribe", "--json", str(FIXTURES / "speech.ogg")])
    assert json.loads(result.output)["segments"][0]["text"] == FAKE_TEXT
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    result = runner.invoke(args=["stt", "transcribe", str(empty)])
    assert result.exit_code == 1 and "PermanentError: empty audio file" in result.output


def test_enqueue_stores_the_file_and_job_shows_it(stt_app):
    runner = stt_app.test_cli_runner()
    result = runner.invoke(args=["stt", "enqueue", str(FIXTURES / "speech.mp3")])
    assert result.exit_code == 0, result.output
    job_id = result.output.strip()
    job = db.session.get(SttJob, job_id)
    assert (job.source_kind, job.status, job.content_type) == ("file", "queued", "audio/mpeg")
    assert job.storage_key.endswith(".mp3")
    shown = json.loads(runner.invoke(args=["stt", "job", job_id]).output)
    assert (shown["id"], shown["status"]) == (job_id, "queued")
    assert runner.invoke(args=["stt", "job", "stt_missing"]).exit_code == 1


def test_worker_once_processes_one_job(stt_app):
    handlers = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    runner = stt_app.test_cli_runner()
    ids = [runner.invoke(args=["stt", "enqueue", str(FIXTURES / n)]).output.strip()
           for n in ("speech.wav", "speech.ogg")]
    result = runner.invoke(args=["stt", "worker", "--once"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert [db.session.get(SttJob, i).status for i in ids] == ["done", "queued"]
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == handlers
