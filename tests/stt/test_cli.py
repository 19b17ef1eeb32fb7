"""``flask stt transcribe``, ``enqueue`` and ``job``; progress and log format by terminal."""

from __future__ import annotations

import json
import os
import re
import signal

from facial_backend.extensions import db
from facial_backend.models.stt_jobs import SttJob
from facial_backend.stt.engines import FAKE_TEXT
from tests.stt.conftest import FIXTURES
from tests.terminal import run_on_terminal


def test_transcribe_prints_the_text(stt_app):
    result = stt_app.test_cli_runner().invoke(
        args=["stt", "transcribe", "--engine", "fake", str(FIXTURES / "speech.wav")])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == FAKE_TEXT


def test_transcribe_json_and_errors(stt_app, tmp_path):
    runner = stt_app.test_cli_runner()
    result = runner.invoke(args=["stt", "transcribe", "--json", str(FIXTURES / "speech.ogg")])
    assert json.loads(result.stdout)["segments"][0]["text"] == FAKE_TEXT
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


def test_enqueue_refuses_when_no_engine_would_run_it(stt_app):
    stt_app.config["STT_ENGINE"] = "none"
    result = stt_app.test_cli_runner().invoke(args=["stt", "enqueue", str(FIXTURES / "speech.wav")])
    assert result.exit_code == 1
    assert "transcription is off here (STT_ENGINE=none" in result.output
    assert db.session.scalar(db.select(db.func.count()).select_from(SttJob)) == 0


def test_transcribe_piped_prints_plain_progress_lines(stt_app):
    result = stt_app.test_cli_runner().invoke(
        args=["stt", "transcribe", "--engine", "fake", str(FIXTURES / "speech.wav")])
    assert result.stdout.strip() == FAKE_TEXT
    assert result.stderr.splitlines() == ["transcribing speech.wav: 1.0 / 4.5 s",
                                          "transcribing speech.wav: 4.5 / 4.5 s"]


def test_on_a_terminal_logs_are_human_and_transcription_shows_a_bar(tmp_path):
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "DATA_DIR": str(tmp_path / "data"),
           "ENV_FILE": str(tmp_path / "none.env"), "TERM": "xterm"}
    migrated = run_on_terminal(["db", "upgrade", "heads"], env)
    assert re.search(r"^\d\d:\d\d:\d\d INFO +alembic\.runtime\.migration: Running upgrade",
                     migrated, re.MULTILINE), migrated
    assert '"level"' not in migrated
    shown = run_on_terminal(["stt", "transcribe", "--engine", "fake", str(FIXTURES / "speech.wav")],
                            env)
    assert "transcribing speech.wav" in shown and "100%" in shown, shown
    assert shown.rstrip().endswith(FAKE_TEXT)
