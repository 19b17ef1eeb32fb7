"""Gauges of current state, read from the database when scraped, so every process reports the
same numbers and a process that died leaves nothing stale behind."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import func, select

from facial_backend.extensions import db
from facial_backend.models.live import LiveConnection
from facial_backend.models.recordings import Recording
from facial_backend.models.sessions import StudySession
from facial_backend.models.stt_jobs import SttJob
from facial_backend.models.tus import TusUpload
from facial_backend.models.uploads import Video

UPLOADS = (("video", Video), ("tus", TusUpload), ("recording", Recording))


class DatabaseState:
    """A collector: sessions by kind and status, connected sockets, transcription jobs by status."""

    def __init__(self, app_context: Callable):
        self._app_context = app_context

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        with self._app_context():
            sessions = GaugeMetricFamily("sessions", "Sessions by kind and status.", labels=["kind", "status"])
            for kind, status, count in db.session.execute(
                    select(StudySession.kind, StudySession.status, func.count())
                    .group_by(StudySession.kind, StudySession.status)):
                sessions.add_metric([kind, status], count)
            uploads = GaugeMetricFamily("uploads", "Uploads by kind and status.", labels=["kind", "status"])
            for kind, model in UPLOADS:
                for status, count in db.session.execute(
                        select(model.status, func.count()).group_by(model.status)):
                    uploads.add_metric([kind, status], count)
            sockets = GaugeMetricFamily("live_sockets", "Socket.IO connections registered as a user.")
            sockets.add_metric([], db.session.scalar(select(func.count()).select_from(LiveConnection)))
            jobs = GaugeMetricFamily("stt_jobs", "Transcription jobs by status (queued is the queue depth).",
                                     labels=["status"])
            for status, count in db.session.execute(select(SttJob.status, func.count()).group_by(SttJob.status)):
                jobs.add_metric([status], count)
            db.session.remove()
        yield sessions
        yield uploads
        yield sockets
        yield jobs
