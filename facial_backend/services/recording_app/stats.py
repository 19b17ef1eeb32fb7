"""Figures of the recording app's data for operators: sessions, finished videos and their bytes
(per session, newest first), uploads by state and the last day's activity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from facial_backend.extensions import db
from facial_backend.models.client_logs import ClientLog
from facial_backend.models.sessions import StudySession
from facial_backend.models.uploads import Video
from facial_backend.services.recording_app.sessions import KIND
from facial_backend.timeutil import utcnow

MIB = 1024 * 1024
RECENT = timedelta(hours=24)


def mib(size: int) -> float:
    return round(size / MIB, 2)


@dataclass(frozen=True)
class SessionFigures:
    session_id: str
    participant_name: str | None
    created_at: datetime
    video_type: str | None
    video_count: int
    total_bytes: int
    last_activity_at: datetime | None

    @property
    def total_size_mb(self) -> float:
        return mib(self.total_bytes)

    @property
    def status(self) -> str:
        """The origin's rule: complete once a video is."""
        return "complete" if self.video_count else "in_progress"


@dataclass(frozen=True)
class RecentActivity:
    since: datetime
    sessions_created: int
    videos_completed: int
    bytes_completed: int
    client_errors: int
    last_session_at: datetime | None
    last_upload_at: datetime | None


@dataclass(frozen=True)
class RecordingAppStats:
    total_sessions: int
    total_videos: int
    total_bytes: int
    videos_by_status: dict[str, int]
    sessions_by_video_type: dict[str, int]
    recent: RecentActivity
    sessions: list[SessionFigures]

    @property
    def total_size_mb(self) -> float:
        return mib(self.total_bytes)


_IS_RECORDING_SESSION = StudySession.kind == KIND
_COMPLETE = Video.status == "complete"


def _complete_sum(column):
    return sa.func.coalesce(sa.func.sum(sa.case((_COMPLETE, column), else_=0)), 0)


def _session_figures(limit: int, offset: int) -> list[SessionFigures]:
    rows = db.session.execute(
        sa.select(StudySession.id, StudySession.participant_name, StudySession.started_at,
                  StudySession.video_type, _complete_sum(1), _complete_sum(Video.size),
                  sa.func.max(Video.updated_at))
        .outerjoin(Video, Video.session_id == StudySession.id)
        .where(_IS_RECORDING_SESSION)
        .group_by(StudySession.id, StudySession.participant_name, StudySession.started_at,
                  StudySession.video_type)
        .order_by(StudySession.started_at.desc(), StudySession.id.desc())
        .limit(limit).offset(offset)).all()
    return [SessionFigures(sid, name, started, video_type, int(count), int(size), updated)
            for sid, name, started, video_type, count, size, updated in rows]


def _recent(since: datetime) -> RecentActivity:
    videos = (sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(Video.size), 0))
              .join(StudySession, StudySession.id == Video.session_id)
              .where(_IS_RECORDING_SESSION, _COMPLETE, Video.completed_at >= since))
    completed, size = db.session.execute(videos).one()
    return RecentActivity(
        since=since,
        sessions_created=db.session.scalar(sa.select(sa.func.count()).select_from(StudySession)
                                           .where(_IS_RECORDING_SESSION, StudySession.started_at >= since)),
        videos_completed=completed,
        bytes_completed=int(size),
        client_errors=db.session.scalar(sa.select(sa.func.count()).select_from(ClientLog)
                                        .where(ClientLog.level == "ERROR", ClientLog.received_at >= since)),
        last_session_at=db.session.scalar(sa.select(sa.func.max(StudySession.started_at))
                                          .where(_IS_RECORDING_SESSION)),
        last_upload_at=db.session.scalar(sa.select(sa.func.max(Video.completed_at))
                                         .join(StudySession, StudySession.id == Video.session_id)
                                         .where(_IS_RECORDING_SESSION)),
    )


def recording_app_stats(*, limit: int, offset: int = 0) -> RecordingAppStats:
    """Totals over every recording-app session; ``limit``/``offset`` page the session list."""
    by_status = dict(db.session.execute(
        sa.select(Video.status, sa.func.count()).join(StudySession, StudySession.id == Video.session_id)
        .where(_IS_RECORDING_SESSION).group_by(Video.status)).tuples().all())
    by_type: dict[str, int] = {}
    for video_type, count in db.session.execute(
            sa.select(StudySession.video_type, sa.func.count()).where(_IS_RECORDING_SESSION)
            .group_by(StudySession.video_type)).tuples():
        by_type[video_type or "recording"] = by_type.get(video_type or "recording", 0) + count
    total_bytes = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Video.size), 0))
        .join(StudySession, StudySession.id == Video.session_id).where(_IS_RECORDING_SESSION, _COMPLETE))
    return RecordingAppStats(
        total_sessions=sum(by_type.values()),
        total_videos=by_status.get("complete", 0),
        total_bytes=int(total_bytes),
        videos_by_status=by_status,
        sessions_by_video_type=by_type,
        recent=_recent(utcnow() - RECENT),
        sessions=_session_figures(limit, offset),
    )
