"""Real ``flask stt worker`` processes: SIGTERM, SIGKILL mid-job, concurrent workers."""

from __future__ import annotations

import signal
import subprocess
import threading

import pytest
from sqlalchemy import select

from facial_backend.extensions import db
from facial_backend.models.stt_jobs import SttJob
from facial_backend.stt import jobs as stt_jobs
from tests.stt.conftest import is_postgres

EXIT_TIMEOUT = 60


def wait_exit(process) -> int:
    try:
        return process.wait(timeout=EXIT_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError(f"worker did not exit:\n{process.log_path.read_text()[-3000:]}") from None


def http_env(stub, **extra: str) -> dict[str, str]:
    return {"STT_ENGINE": "http", "STT_HTTP_URL": stub.url, **extra}


def test_sigterm_finishes_the_current_job_then_exits(stt_app, make_job, stub, worker_process):
    first, second = make_job(), make_job()
    stub.script(("hold", None))
    process = worker_process(http_env(stub))
    stub.wait_requests(1)  # the worker is inside its first job
    process.send_signal(signal.SIGTERM)
    stub.release()
    assert wait_exit(process) == 0
    db.session.expire_all()
    assert db.session.get(SttJob, first.id).status == "done"
    assert db.session.get(SttJob, second.id).status == "queued"
    assert "SIGTERM received" in process.log_path.read_text()


def test_job_of_a_killed_worker_is_finished_by_another(stt_app, make_job, stub, worker_process):
    job = make_job()
    stub.script(("hold", None))
    env = http_env(stub, STT_LEASE="1s")
    doomed = worker_process(env)
    stub.wait_requests(1)
    doomed.send_signal(signal.SIGKILL)
    assert wait_exit(doomed) == -signal.SIGKILL
    db.session.expire_all()
    orphan = db.session.get(SttJob, job.id)
    assert (orphan.status, orphan.attempts) == ("processing", 1)
    dead_owner = orphan.lease_owner
    stub.script(("json", {"text": "rescued"}))
    rescuer = worker_process(env, "--max-jobs", "1", "--poll-interval", "0.2")
    assert wait_exit(rescuer) == 0
    db.session.expire_all()
    done = db.session.get(SttJob, job.id)
    assert (done.status, done.text, done.attempts) == ("done", "rescued", 2)
    assert done.lease_owner not in (None, dead_owner)


def test_invalid_model_dir_stops_the_worker_with_a_clear_message(worker_process, tmp_path):
    pytest.importorskip("faster_whisper", reason="needs requirements-stt.txt")
    process = worker_process({"STT_ENGINE": "local", "STT_MODEL_DIR": str(tmp_path)})
    assert wait_exit(process) == 1
    assert "holds no CTranslate2 model.bin" in process.log_path.read_text()


@pytest.fixture
def postgres(app_settings):
    if not is_postgres(app_settings["DATABASE_URL"]):
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgresql://...): SQLite runs one worker")


def test_two_worker_processes_never_take_the_same_job(postgres, stt_app, make_job, stub,
                                                      worker_process):
    jobs = [make_job() for _ in range(40)]
    workers = [worker_process(http_env(stub), "--idle-exit") for _ in range(2)]
    assert [wait_exit(w) for w in workers] == [0, 0]
    db.session.expire_all()
    rows = db.session.scalars(select(SttJob)).all()
    assert {(r.status, r.attempts) for r in rows} == {("done", 1)}
    sent = sorted(r["filename"] for r in stub.requests)
    assert sent == sorted(f"{j.id}.wav" for j in jobs)  # each job transcribed exactly once


def test_concurrent_claims_are_disjoint(postgres, stt_app, make_job):
    jobs = {make_job().id for _ in range(60)}
    claimed: list[list[str]] = [[] for _ in range(6)]
    barrier = threading.Barrier(len(claimed))

    def claim_all(mine: list[str]) -> None:
        with stt_app.app_context():
            barrier.wait()
            while (job := stt_jobs.claim_next(f"t{id(mine)}")) is not None:
                mine.append(job.id)
            db.session.remove()

    threads = [threading.Thread(target=claim_all, args=(mine,)) for mine in claimed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=EXIT_TIMEOUT)
    every = [job_id for mine in claimed for job_id in mine]
    assert len(every) == len(set(every)) and set(every) == jobs


def test_idle_worker_on_postgres_wakes_up_on_notify(postgres, stt_app, make_job, stub,
                                                    worker_process):
    process = worker_process(http_env(stub), "--max-jobs", "1", "--poll-interval", "120")
    process.wait_for("no job due, waiting")
    job = make_job()
    assert wait_exit(process) == 0  # well within the 120 s poll interval: woken by NOTIFY
    db.session.expire_all()
    assert db.session.get(SttJob, job.id).status == "done"


def test_sigterm_stops_an_idle_worker_promptly(stt_app, worker_process):
    process = worker_process({"STT_ENGINE": "fake"}, "--poll-interval", "120")
    process.wait_for("started (engine fake)")
    process.send_signal(signal.SIGTERM)
    assert wait_exit(process) == 0
