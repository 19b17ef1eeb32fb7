"""Job lifecycle in-process: enqueue, claim, hooks, retries with backoff, leases."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from facial_backend.extensions import db
from facial_backend.models.stt_jobs import SttJob
from facial_backend.stt import jobs as stt_jobs
from facial_backend.stt import worker as worker_module
from facial_backend.stt.engines import FAKE_TEXT, FakeEngine, create_engine
from facial_backend.stt.sources import SourceHooks, register_source
from facial_backend.stt.worker import Worker, WorkerOptions
from facial_backend.timeutil import utcnow


@pytest.fixture
def calls(stt_app):
    """Register the source kind ``dummy`` whose hooks record (hook, job status, extra)."""
    seen: list[tuple] = []
    register_source(stt_app, "dummy", SourceHooks(
        on_started=lambda job: seen.append(("started", job.status, job.attempts)),
        on_done=lambda job: seen.append(("done", job.status, job.text)),
        on_failed=lambda job: seen.append(("failed", job.status, job.error)),
        on_skipped=lambda job: seen.append(("skipped", job.status, job.error)),
        on_segment=lambda job, segment: seen.append(("segment", job.status, segment.text))))
    return seen


def worker(app, name: str = "w1") -> Worker:
    return Worker(create_engine(app.config), worker_id=name)


def test_job_runs_to_done_with_every_hook(stt_app, make_job, calls):
    job = make_job(kind="dummy")
    assert (job.status, job.attempts) == ("queued", 0)
    assert worker(stt_app).run(WorkerOptions(idle_exit=True)) == 1
    db.session.refresh(job)
    assert (job.status, job.text, job.engine, job.attempts) == ("done", FAKE_TEXT, "fake", 1)
    assert job.segments == [{"start": 0.0, "end": 1.0, "text": FAKE_TEXT}]
    assert job.lease_expires_at is None and job.finished_at is not None
    assert calls == [("started", "processing", 1), ("segment", "processing", FAKE_TEXT),
                     ("done", "done", FAKE_TEXT)]


def test_unknown_source_kind_is_refused(stt_app):
    with pytest.raises(ValueError, match="register_source"):
        stt_jobs.enqueue("nobody", "1", "k.wav", "audio/wav")


def test_engine_none_skips_at_enqueue(stt_app, make_job, calls):
    stt_app.config["STT_ENGINE"] = "none"
    job = make_job(kind="dummy")
    assert job.status == "skipped" and "disabled" in job.error
    assert calls == [("skipped", "skipped", job.error)]
    assert stt_jobs.claim_next("w1") is None


def test_worker_without_engine_skips_queued_jobs(stt_app, make_job, calls):
    job = make_job(kind="dummy")
    stt_app.config["STT_ENGINE"] = "none"
    worker(stt_app).run(WorkerOptions(once=True))
    db.session.refresh(job)
    assert job.status == "skipped"
    assert calls[-1][:2] == ("skipped", "skipped")


def test_empty_file_fails_permanently(stt_app, make_job, calls):
    job = make_job(b"", kind="dummy")
    worker(stt_app).run(WorkerOptions(once=True))
    db.session.refresh(job)
    assert (job.status, job.error, job.attempts) == ("failed", "empty audio file", 1)
    assert calls[-1] == ("failed", "failed", "empty audio file")


def test_missing_audio_fails_permanently(stt_app, calls):
    job = stt_jobs.enqueue("dummy", "1", "stt-tests/never-stored.wav", "audio/wav")
    worker(stt_app).run(WorkerOptions(once=True))
    db.session.refresh(job)
    assert job.status == "failed" and "no stored audio" in job.error


def test_retryable_error_backs_off_then_fails_when_attempts_run_out(stt_app, make_job, stub, calls):
    stt_app.config.update(STT_ENGINE="http", STT_HTTP_URL=stub.url, STT_MAX_ATTEMPTS=2)
    stub.script(("status", 503))
    job = make_job(kind="dummy")
    before = utcnow()
    runner = worker(stt_app)
    assert runner.run(WorkerOptions(idle_exit=True)) == 1  # not due again yet
    db.session.refresh(job)
    assert (job.status, job.attempts, job.lease_owner) == ("queued", 1, None)
    assert "HTTP 503" in job.error
    delay = (job.next_attempt_at - before).total_seconds()
    assert stt_jobs.retry_delay(1) <= delay < stt_jobs.retry_delay(1) + 5
    assert stt_jobs.claim_next("w1") is None
    again = stt_jobs.claim_next("w1", now=job.next_attempt_at + timedelta(seconds=1))
    assert again.id == job.id and again.attempts == 2
    assert runner.process(again) == "failed"
    assert job.error.startswith("gave up after 2 attempts: HTTP 503")
    assert [c[0] for c in calls] == ["started", "started", "failed"]
    assert len(stub.requests) == 2


def test_retry_delay_grows_and_is_capped():
    delays = [stt_jobs.retry_delay(n) for n in range(1, 12)]
    assert delays[:3] == [5.0, 10.0, 20.0]
    assert delays == sorted(delays) and delays[-1] == stt_jobs.RETRY_MAX_SECONDS


def test_timeout_is_retried_and_succeeds_later(stt_app, make_job, stub):
    stt_app.config.update(STT_ENGINE="http", STT_HTTP_URL=stub.url, STT_HTTP_TIMEOUT=0.3)
    stub.script(("hold", None), ("json", {"text": "second time lucky"}))
    job = make_job()
    runner = worker(stt_app)
    runner.process(stt_jobs.claim_next("w1"))
    assert job.status == "queued" and "did not answer" in job.error
    runner.process(stt_jobs.claim_next("w1", now=job.next_attempt_at))
    assert (job.status, job.text, job.error, job.attempts) == ("done", "second time lucky", None, 2)


def test_client_error_fails_at_once(stt_app, make_job, stub):
    stt_app.config.update(STT_ENGINE="http", STT_HTTP_URL=stub.url)
    stub.script(("status", 415))
    job = make_job()
    worker(stt_app).process(stt_jobs.claim_next("w1"))
    assert (job.status, job.attempts) == ("failed", 1) and "HTTP 415" in job.error


def test_expired_lease_is_claimed_again_and_the_old_worker_loses_it(stt_app, make_job, calls):
    job = make_job(kind="dummy")
    first = stt_jobs.claim_next("dead-worker")
    assert first.lease_owner == "dead-worker"
    assert stt_jobs.claim_next("w2") is None  # still leased
    later = first.lease_expires_at + timedelta(seconds=1)
    second = stt_jobs.claim_next("w2", now=later)
    assert (second.id, second.lease_owner, second.attempts) == (job.id, "w2", 2)
    assert stt_jobs.finish(first, "dead-worker", FakeEngine().transcribe(b"x")) is False
    assert worker(stt_app, "w2").process(second) == "done"
    assert [c[0] for c in calls] == ["started", "started", "segment", "done"]


def test_lease_expired_on_the_last_attempt_fails_the_job(stt_app, make_job, calls):
    stt_app.config["STT_MAX_ATTEMPTS"] = 1
    job = make_job(kind="dummy")
    claimed = stt_jobs.claim_next("dead-worker")
    assert stt_jobs.claim_next("w2", now=claimed.lease_expires_at + timedelta(seconds=1)) is None
    db.session.refresh(job)
    assert job.status == "failed" and "gave up" in job.error
    assert calls[-1][:2] == ("failed", "failed")


def test_a_failing_hook_never_blocks_the_job(stt_app, make_job, caplog):
    def broken(job):
        job.language = "changed by the hook"
        db.session.flush()
        raise RuntimeError("hook bug")
    register_source(stt_app, "broken", SourceHooks(on_done=broken, on_started=broken))
    job = make_job(kind="broken")
    worker(stt_app).run(WorkerOptions(once=True))
    db.session.expire_all()
    job = db.session.get(SttJob, job.id)
    assert (job.status, job.text, job.language) == ("done", FAKE_TEXT, "en")
    failures = [r for r in caplog.records if "hook of source 'broken' failed" in r.getMessage()]
    assert len(failures) == 2


def test_jobs_are_claimed_oldest_due_first(stt_app, make_job):
    jobs = [make_job() for _ in range(3)]
    assert [stt_jobs.claim_next("w1").id for _ in jobs] == [j.id for j in jobs]
    assert stt_jobs.claim_next("w1") is None


def test_lease_is_extended_only_for_its_holder(stt_app, make_job):
    make_job()
    job = stt_jobs.claim_next("w1")
    first_expiry = job.lease_expires_at
    assert stt_jobs.extend_lease(job, "w1", now=first_expiry) is True
    db.session.refresh(job)
    assert job.lease_expires_at == first_expiry + timedelta(seconds=stt_app.config["STT_LEASE"])
    assert stt_jobs.extend_lease(job, "someone-else") is False


def test_long_jobs_renew_their_lease_as_segments_come(stt_app, make_job, monkeypatch):
    stt_app.config["STT_LEASE"] = 3.0  # renew once a second has gone by
    monkeypatch.setattr(worker_module, "monotonic", itertools.count().__next__)  # +1 s a call
    renewals = []
    monkeypatch.setattr(stt_jobs, "extend_lease", lambda job, owner: renewals.append(owner))
    make_job()
    worker(stt_app).run(WorkerOptions(once=True))
    assert renewals == ["w1"]
