"""``flask stt worker``, ``flask stt transcribe FILE``, ``flask stt enqueue FILE``, ``flask stt job``."""

from __future__ import annotations

import json
import mimetypes
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from facial_backend.cli.progress import SecondsProgress, on_terminal, spinner
from facial_backend.extensions import db, get_storage
from facial_backend.ids import new_id
from facial_backend.models.stt_jobs import SttJob
from facial_backend.schemas.stt_jobs import SttJobSchema
from facial_backend.stt import jobs as stt_jobs
from facial_backend.stt.audio import probe_duration
from facial_backend.stt.engines import create_engine
from facial_backend.stt.errors import ModelError, SttError
from facial_backend.stt.sources import FILE_KIND
from facial_backend.stt.worker import POLL_INTERVAL_SECONDS, Worker, WorkerOptions

stt_cli = AppGroup("stt", help="Speech-to-text: the worker and one-off transcriptions.")


def _engine(name: str | None = None):
    config = dict(current_app.config)
    if name:
        config["STT_ENGINE"] = name
    try:
        return create_engine(config)
    except ModelError as exc:
        raise click.ClickException(str(exc)) from None


@stt_cli.command("worker")
@click.option("--once", is_flag=True, help="Process at most one job, then exit.")
@click.option("--max-jobs", type=click.IntRange(min=1), default=None, help="Exit after N jobs.")
@click.option("--idle-exit", is_flag=True, help="Exit when no job is due instead of waiting.")
@click.option("--poll-interval", type=click.FloatRange(min=0.05), default=POLL_INTERVAL_SECONDS,
              show_default=True, help="Seconds between looks at the job table when idle.")
def worker(once: bool, max_jobs: int | None, idle_exit: bool, poll_interval: float) -> None:
    """Run one transcription worker: loads the engine once, takes jobs one at a time, and
    stops after the current job on SIGTERM."""
    started = time.perf_counter()
    engine = _engine()
    load_seconds = round(time.perf_counter() - started, 3)
    if on_terminal():
        click.echo(f"stt worker ready: {engine.describe()}", err=True)
    else:
        click.echo(json.dumps({"event": "stt_worker_ready", "engine": engine.name,
                               "load_seconds": load_seconds, "detail": engine.describe()}), err=True)
    runner = Worker(engine)
    with runner.stop_on_signals():
        runner.run(WorkerOptions(once=once, max_jobs=max_jobs, idle_exit=idle_exit,
                                 poll_interval=poll_interval))


@stt_cli.command("transcribe")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--engine", "engine_name", type=click.Choice(["local", "http", "fake"]),
              default=None, help="Default: STT_ENGINE.")
@click.option("--json", "as_json", is_flag=True, help="Print the whole result as JSON.")
def transcribe(file: Path, engine_name: str | None, as_json: bool) -> None:
    """Transcribe FILE now, in this process (no job), and print the text; progress goes to
    stderr (a bar through the audio's length on a terminal, lines when piped)."""
    engine = _engine(engine_name)
    data = file.read_bytes()
    content_type = mimetypes.guess_type(file.name)[0]
    try:
        result = _transcribe_with_progress(engine, data, file.name, content_type)
    except SttError as exc:
        raise click.ClickException(f"{type(exc).__name__}: {exc}") from None
    if as_json:
        click.echo(json.dumps({"text": result.text, "language": result.language,
                               "confidence": result.confidence, "duration": result.duration,
                               "engine": result.engine,
                               "segments": [s.as_dict() for s in result.segments]}))
    else:
        click.echo(result.text)


def _transcribe_with_progress(engine, data: bytes, filename: str, content_type: str | None):
    label = f"transcribing {filename}"
    duration = probe_duration(data)
    if not duration:
        with spinner(label):
            return engine.transcribe(data, filename=filename, content_type=content_type)
    with SecondsProgress(label, duration) as progress:
        result = engine.transcribe(data, filename=filename, content_type=content_type,
                                   on_segment=lambda segment: progress.advance_to(segment.end))
        progress.advance_to(duration)
    return result


@stt_cli.command("enqueue")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def enqueue(file: Path) -> None:
    """Store FILE and queue a job of kind ``file`` for the workers; print the job id. Refused
    when no engine would run it (STT_ENGINE=none, or local without its packages)."""
    if not stt_jobs.transcription_enabled():
        raise click.ClickException(
            f"transcription is off here (STT_ENGINE={current_app.config['STT_ENGINE']}, running as "
            "none): nothing would take the job. Set STT_ENGINE=local (`make install-stt`) or "
            "STT_ENGINE=http with STT_HTTP_URL, then enqueue again")
    file_id = new_id()
    key = f"stt/files/{file_id}{file.suffix.lower()}"
    content_type = mimetypes.guess_type(file.name)[0]
    get_storage().put_file(key, file, content_type)
    job = stt_jobs.enqueue(FILE_KIND, file_id, key, content_type)
    click.echo(job.id)


@stt_cli.command("job")
@click.argument("job_id")
def show_job(job_id: str) -> None:
    """Print a job as JSON."""
    job = db.session.get(SttJob, job_id)
    if job is None:
        raise click.ClickException(f"no stt job {job_id}")
    click.echo(json.dumps(SttJobSchema().dump(job)))
