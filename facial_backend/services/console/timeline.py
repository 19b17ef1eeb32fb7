"""Everything of one session on one time axis: videos, live segments, recordings, notes and
transcription tasks, in time order (creation order breaks ties). Each kind is read with one
query of plain rows, at most ``ITEM_LIMIT`` per kind."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from facial_backend.extensions import db
from facial_backend.models.live import LiveSegment
from facial_backend.models.recordings import Recording
from facial_backend.models.sessions import StudySession
from facial_backend.models.testbed import Note, SttTask, TelemetryChannel
from facial_backend.models.uploads import Video
from facial_backend.models.users import User
from facial_backend.services.console.access import sees_whole_session

ITEM_LIMIT = 2000
KIND_ORDER = {"video": 0, "segment": 1, "recording": 2, "note": 3, "stt_task": 4}


@dataclass(frozen=True)
class TimelineItem:
    """``key`` is unique within the session (``<kind>-<id>``); ``version`` changes with the item."""

    kind: str
    at: datetime
    key: str
    version: str
    row: Any


@dataclass
class Timeline:
    session: StudySession
    items: list[TimelineItem]
    channels: list[str]
    truncated: bool


def session_timeline(user: User, session: StudySession) -> Timeline:
    """The timeline of a session ``user`` may see (``access.visible_session`` checked that)."""
    whole = sees_whole_session(user, session)
    items: list[TimelineItem] = []
    truncated = False
    readers = (_videos, _segments, _notes, _stt_tasks) if whole else ()
    for read in (*readers, _recordings):
        found = read(session.id, user, whole)
        truncated = truncated or len(found) > ITEM_LIMIT
        items.extend(found[:ITEM_LIMIT])
    items.sort(key=lambda item: (item.at, KIND_ORDER[item.kind], item.key))
    channels = list(db.session.scalars(select(TelemetryChannel.channel).filter_by(session_id=session.id)
                                       .order_by(TelemetryChannel.channel))) if whole else []
    return Timeline(session, items, channels, truncated)


def _rows(query) -> list[Any]:
    """Plain rows (attributes named as the columns): a page of hundreds needs no ORM objects."""
    return db.session.execute(query.limit(ITEM_LIMIT + 1)).all()


def _stamp(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def _videos(session_id: str, _user: User, _whole: bool) -> list[TimelineItem]:
    rows = _rows(select(*Video.__table__.c).where(Video.session_id == session_id)
                 .order_by(Video.created_at, Video.id))
    return [TimelineItem("video", v.created_at, f"video-{v.id}", f"{v.status}-{_stamp(v.updated_at)}", v)
            for v in rows]


def _segments(session_id: str, _user: User, _whole: bool) -> list[TimelineItem]:
    rows = _rows(select(*LiveSegment.__table__.c).where(LiveSegment.session_id == session_id)
                 .order_by(LiveSegment.received_at, LiveSegment.id))
    return [TimelineItem("segment", s.received_at, f"segment-{s.id}",
                         f"{s.transcript_status}-{_stamp(s.updated_at)}", s) for s in rows]


def _notes(session_id: str, _user: User, _whole: bool) -> list[TimelineItem]:
    rows = _rows(select(*Note.__table__.c).where(Note.session_id == session_id).order_by(Note.timestamp, Note.seq))
    return [TimelineItem("note", n.timestamp, f"note-{n.id}", _stamp(n.updated_at), n) for n in rows]


def _stt_tasks(session_id: str, _user: User, _whole: bool) -> list[TimelineItem]:
    rows = _rows(select(*SttTask.__table__.c).where(SttTask.session_id == session_id)
                 .order_by(SttTask.created_at, SttTask.seq))
    return [TimelineItem("stt_task", t.created_at, f"stt_task-{t.id}", f"{t.status}-{_stamp(t.updated_at)}", t)
            for t in rows]


def _recordings(session_id: str, user: User, whole: bool) -> list[TimelineItem]:
    """Recordings a transcription task of the session points at (a recorder: only theirs)."""
    ids = select(SttTask.recording_id).where(SttTask.session_id == session_id, SttTask.recording_id.is_not(None))
    query = select(*Recording.__table__.c).where(Recording.id.in_(ids), Recording.deleted_at.is_(None))
    if not whole:
        query = query.where(Recording.recorded_by_user_id == user.id)
    rows = _rows(query.order_by(Recording.created_at, Recording.id))
    return [TimelineItem("recording", r.created_at, f"recording-{r.id}", f"{r.status}-{_stamp(r.updated_at)}", r)
            for r in rows]
