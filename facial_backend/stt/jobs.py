"""Transcription jobs: enqueue, claim (safe with several workers), finish, each change running
the hooks of the job's source kind (``stt.sources``).

A job goes ``queued -> processing -> done | failed | skipped``; a retryable error puts it back
to ``queued`` with a later ``next_attempt_at`` until ``STT_MAX_ATTEMPTS`` claims were made.
A ``processing`` job whose lease ran out (its worker died) is claimed again by any worker.

Hooks run inside the transaction that changes the job, so a source's own row changes commit
together with the job's; a hook that raises is logged and its changes rolled back, and the
job's change is committed alone (a job never sticks because of a hook).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update

from facial_backend.extensions import db
from facial_backend.models.stt_jobs import SttJob
from facial_backend.stt.engines import effective_engine_name
from facial_backend.stt.result import Segment, Transcript
from facial_backend.stt.sources import JobHook, is_registered, source_hooks
from facial_backend.stt.wakeup import notify_new_job
from facial_backend.timeutil import utcnow

log = logging.getLogger(__name__)

RETRY_BASE_SECONDS = 5.0
RETRY_MAX_SECONDS = 300.0
CLAIM_TRIES = 5


def transcription_enabled() -> bool:
    """An engine will run jobs (not STT_ENGINE=none, nor local without its packages)."""
    return effective_engine_name(current_app.config) != "none"


def enqueue(source_kind: str, source_id: str, storage_key: str, content_type: str | None = None,
            *, commit: bool = True) -> SttJob:
    """Create a job for stored audio. With no engine (STT_ENGINE=none, or local without its
    packages) the job is created ``skipped`` at once and ``on_skipped`` runs.

    ``commit=False`` leaves the commit to the caller (the job lands with the caller's rows).
    """
    if not is_registered(source_kind):
        raise ValueError(f"unknown stt source kind {source_kind!r}: register_source it in stt.init_app")
    job = SttJob(source_kind=source_kind, source_id=str(source_id), storage_key=storage_key,
                 content_type=content_type, status="queued", next_attempt_at=utcnow())
    db.session.add(job)
    if not transcription_enabled():
        job.status, job.finished_at = "skipped", utcnow()
        job.error = "transcription is disabled (STT_ENGINE=none or its packages are missing)"
        db.session.flush()
        _run_hook(job, source_hooks(source_kind).on_skipped)
    else:
        db.session.flush()
        notify_new_job(db.session)
    if commit:
        db.session.commit()
    return job


def claim_next(worker_id: str, now: datetime | None = None) -> SttJob | None:
    """Take the next due job for ``worker_id`` and commit the claim, or return None.

    Due: ``queued`` with ``next_attempt_at <= now``, or ``processing`` with an expired lease.
    PostgreSQL: ``SELECT ... FOR UPDATE SKIP LOCKED``, so concurrent workers pass each other by.
    SQLite (one worker): a conditional UPDATE guards the claim all the same.
    """
    now = now or utcnow()
    _fail_exhausted_leases(now)
    lease = timedelta(seconds=current_app.config["STT_LEASE"])
    for _ in range(CLAIM_TRIES):
        candidate = db.session.execute(
            select(SttJob.id, SttJob.status, SttJob.attempts)
            .where(_due(now))
            .order_by(SttJob.next_attempt_at, SttJob.created_at)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if candidate is None:
            db.session.rollback()
            return None
        claimed = db.session.execute(
            update(SttJob)
            .where(SttJob.id == candidate.id, SttJob.status == candidate.status,
                   SttJob.attempts == candidate.attempts)
            .values(status="processing", attempts=candidate.attempts + 1, lease_owner=worker_id,
                    lease_expires_at=now + lease, started_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed:
            job = db.session.get(SttJob, candidate.id, populate_existing=True)
            _run_hook(job, source_hooks(job.source_kind).on_started)
            db.session.commit()
            return job
        db.session.rollback()
    return None


def finish(job: SttJob, worker_id: str, result: Transcript) -> bool:
    """Store the result (``done``) if the job is still this worker's; return whether it was."""
    return _end(job.id, worker_id, "on_done", status="done", error=None, text=result.text,
                language=result.language, confidence=result.confidence, duration=result.duration,
                engine=result.engine, segments=[segment.as_dict() for segment in result.segments])


def fail(job: SttJob, worker_id: str, error: str) -> bool:
    """End the job ``failed`` with ``error`` (a permanent error, or attempts exhausted)."""
    return _end(job.id, worker_id, "on_failed", status="failed", error=error)


def skip(job: SttJob, worker_id: str, reason: str) -> bool:
    """End the job ``skipped``: the worker has no engine."""
    return _end(job.id, worker_id, "on_skipped", status="skipped", error=reason)


def retry(job: SttJob, worker_id: str, error: str, now: datetime | None = None) -> bool:
    """Queue the job again after a backoff, or fail it when STT_MAX_ATTEMPTS are used up."""
    if job.attempts >= current_app.config["STT_MAX_ATTEMPTS"]:
        return fail(job, worker_id, f"gave up after {job.attempts} attempts: {error}")
    now = now or utcnow()
    values = {"status": "queued", "error": error, "lease_owner": None, "lease_expires_at": None,
              "next_attempt_at": now + timedelta(seconds=retry_delay(job.attempts)),
              "updated_at": now}
    changed = db.session.execute(
        update(SttJob).where(SttJob.id == job.id, SttJob.status == "processing",
                             SttJob.lease_owner == worker_id)
        .values(**values).execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    db.session.refresh(job)
    return bool(changed)


def extend_lease(job: SttJob, worker_id: str, now: datetime | None = None) -> bool:
    """Push the lease of a job this worker still holds STT_LEASE further; commit."""
    now = now or utcnow()
    changed = db.session.execute(
        update(SttJob).where(SttJob.id == job.id, SttJob.status == "processing",
                             SttJob.lease_owner == worker_id)
        .values(lease_expires_at=now + timedelta(seconds=current_app.config["STT_LEASE"]),
                updated_at=now)
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return bool(changed)


def retry_delay(attempts: int) -> float:
    """Backoff after ``attempts`` claims: 5 s, 10 s, 20 s ... at most 5 minutes."""
    return min(RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), RETRY_MAX_SECONDS)


def run_segment_hook(job: SttJob, segment: Segment) -> None:
    """Call the source's ``on_segment`` hook; its errors are logged, never fatal to the job."""
    hook = source_hooks(job.source_kind).on_segment
    if hook is None:
        return
    try:
        hook(job, segment)
    except Exception:
        log.exception("on_segment hook of stt source %r failed for job %s", job.source_kind, job.id)


def _due(now: datetime):
    return or_(and_(SttJob.status == "queued", SttJob.next_attempt_at <= now),
               and_(SttJob.status == "processing", SttJob.lease_expires_at < now))


def _fail_exhausted_leases(now: datetime) -> None:
    """Jobs whose worker died on their last allowed attempt end ``failed`` instead of looping."""
    stale = db.session.execute(
        select(SttJob.id, SttJob.lease_owner, SttJob.attempts)
        .where(SttJob.status == "processing", SttJob.lease_expires_at < now,
               SttJob.attempts >= current_app.config["STT_MAX_ATTEMPTS"])).all()
    db.session.rollback()
    for job_id, owner, attempts in stale:
        _end(job_id, owner, "on_failed", status="failed",
             error=f"the worker stopped during each of the {attempts} attempts; gave up")


def _end(job_id: str, worker_id: str | None, hook_name: str, **values) -> bool:
    """Set ``values`` (a final state) if ``worker_id`` still holds the job, run the source's
    ``hook_name`` hook, commit; return False (changing nothing) if the job is no longer held."""
    row = db.session.execute(
        select(SttJob).where(SttJob.id == job_id, SttJob.status == "processing",
                             SttJob.lease_owner == worker_id)
        .with_for_update().execution_options(populate_existing=True)).scalar_one_or_none()
    if row is None:
        db.session.rollback()
        log.warning("stt job %s is no longer held by %s (lease expired); outcome dropped",
                    job_id, worker_id)
        return False
    for name, value in values.items():
        setattr(row, name, value)
    row.finished_at = row.updated_at = utcnow()
    row.lease_expires_at = None
    db.session.flush()
    _run_hook(row, getattr(source_hooks(row.source_kind), hook_name))
    db.session.commit()
    return True


def _run_hook(job: SttJob, hook: JobHook | None) -> None:
    """Run a hook inside the current transaction; if it raises, keep only the job's change."""
    if hook is None:
        return
    savepoint = db.session.begin_nested()
    try:
        hook(job)
        savepoint.commit()
    except Exception:
        savepoint.rollback()
        log.exception("stt hook of source %r failed for job %s (state %s)",
                      job.source_kind, job.id, job.status)
