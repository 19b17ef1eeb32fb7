"""The worker loop: claim a job, read its audio from storage, transcribe, record the outcome.

One job at a time; SIGTERM/SIGINT make the loop stop after the current job. Runs inside an
app context (``flask stt worker``).
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePosixPath
from time import monotonic

from flask import current_app
from sqlalchemy.exc import OperationalError

from facial_backend import metrics
from facial_backend.extensions import db, get_storage
from facial_backend.stt import jobs as stt_jobs
from facial_backend.stt.base import Engine
from facial_backend.stt.errors import EngineDisabled, PermanentError, RetryableError
from facial_backend.stt.wakeup import Wakeup
from storage.base import ObjectNotFound, StorageError

log = logging.getLogger(__name__)

POLL_INTERVAL_SECONDS = 1.0


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


@dataclass
class WorkerOptions:
    """``once``: at most one job. ``max_jobs``: stop after that many. ``idle_exit``: stop when
    no job is due instead of waiting for one."""

    once: bool = False
    max_jobs: int | None = None
    idle_exit: bool = False
    poll_interval: float = POLL_INTERVAL_SECONDS


class Worker:
    def __init__(self, engine: Engine, worker_id: str | None = None):
        self.engine = engine
        self.worker_id = worker_id or new_worker_id()
        self.stopping = threading.Event()

    @contextmanager
    def stop_on_signals(self) -> Iterator[None]:
        """While inside: SIGTERM and SIGINT finish the current job, then stop the loop."""
        def request_stop(signum, _frame) -> None:
            log.info("stt worker %s: %s received, stopping after the current job",
                     self.worker_id, signal.Signals(signum).name)
            self.stopping.set()
        previous = {signum: signal.signal(signum, request_stop)
                    for signum in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def run(self, options: WorkerOptions) -> int:
        """Process jobs until told to stop; return how many were processed."""
        wakeup = Wakeup(db.engine, self.stopping)  # listening before the first look: no lost job
        log.info("stt worker %s started (engine %s)", self.worker_id, self.engine.name)
        try:
            return self._loop(options, wakeup)
        finally:
            wakeup.close()

    def _loop(self, options: WorkerOptions, wakeup: Wakeup) -> int:
        processed, idle = 0, False
        limit = 1 if options.once else options.max_jobs
        while not self.stopping.is_set() and (limit is None or processed < limit):
            try:
                job = stt_jobs.claim_next(self.worker_id)
            except OperationalError:
                log.exception("stt worker %s: the database is not usable; trying again", self.worker_id)
                db.session.rollback()
                wakeup.wait(options.poll_interval)
                continue
            if job is None:
                if options.once or options.idle_exit:
                    break
                if not idle:
                    log.info("stt worker %s: no job due, waiting", self.worker_id)
                idle = True
                wakeup.wait(options.poll_interval)
                continue
            idle = False
            self.process(job)
            processed += 1
        log.info("stt worker %s stopped after %d job(s)", self.worker_id, processed)
        return processed

    def process(self, job) -> str:
        """Run one claimed job to its next state; return that state."""
        log.info("stt job %s (%s %s): attempt %d", job.id, job.source_kind, job.source_id,
                 job.attempts)
        started = monotonic()
        try:
            data = get_storage().read_bytes(job.storage_key)
            if not data:
                raise PermanentError("empty audio file")
            result = self.engine.transcribe(data, filename=_filename(job),
                                            content_type=job.content_type,
                                            on_segment=self._segment_handler(job))
        except EngineDisabled as exc:
            stt_jobs.skip(job, self.worker_id, str(exc))
        except ObjectNotFound:
            stt_jobs.fail(job, self.worker_id, f"no stored audio under {job.storage_key!r}")
        except PermanentError as exc:
            stt_jobs.fail(job, self.worker_id, str(exc))
        except (RetryableError, StorageError) as exc:
            stt_jobs.retry(job, self.worker_id, str(exc))
        except Exception as exc:  # an engine bug must not kill the worker; bounded by attempts
            log.exception("stt job %s: unexpected error", job.id)
            db.session.rollback()
            stt_jobs.retry(job, self.worker_id, f"unexpected error: {type(exc).__name__}: {exc}")
        else:
            stt_jobs.finish(job, self.worker_id, result)
        metrics.observe_stt_job(monotonic() - started, job.status)
        log.info("stt job %s: %s%s", job.id, job.status, f" ({job.error})" if job.error else "")
        return job.status

    def _segment_handler(self, job):
        """Pass each segment to the source's hook and keep the lease of a long job alive
        (renewed once a third of STT_LEASE has gone by)."""
        renew_every = current_app.config["STT_LEASE"] / 3
        renewed = monotonic()

        def on_segment(segment) -> None:
            nonlocal renewed
            stt_jobs.run_segment_hook(job, segment)
            if monotonic() - renewed >= renew_every:
                stt_jobs.extend_lease(job, self.worker_id)
                renewed = monotonic()
        return on_segment


def _filename(job) -> str:
    """A name for the audio (the http engine sends it): the job id with the key's extension."""
    return f"{job.id}{PurePosixPath(job.storage_key).suffix}"
