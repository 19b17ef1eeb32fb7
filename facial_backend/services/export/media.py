"""The stored media of a session, whatever its kind: the recording app's finished videos,
live-session segment audio, iPhone recordings a transcription task of the session points at,
and audio uploaded with a testbed transcription task.

Each item names who owns it (an evaluator's segments, a recorder's recordings), so callers can
let an owner reach their own media; anything else is for operators and admins.
"""

from __future__ import annotations

from dataclasses import dataclass

from facial_backend.extensions import db
from facial_backend.models.live import LiveSegment
from facial_backend.models.recordings import Recording
from facial_backend.models.testbed import SttTask
from facial_backend.models.uploads import Video
from facial_backend.models.users import User
from facial_backend.services.live.segments import AUDIO_TYPE
from facial_backend.services.recordings.recordings import STORED_STATUSES
from storage.content_types import guess_content_type

MEDIA_KINDS = ("video", "segment", "recording", "stt_audio")
SEES_ALL_MEDIA = ("admin", "operator")


@dataclass(frozen=True)
class MediaItem:
    """``kind`` + ``id`` name the item within its session; ``name`` is its file name in an export."""

    kind: str
    id: str
    key: str
    content_type: str
    name: str
    owner_username: str | None = None
    owner_user_id: str | None = None
    metadata: dict | None = None

    def readable_by(self, user: User) -> bool:
        """Operators and admins read every item; others only what they own."""
        if user.role in SEES_ALL_MEDIA:
            return True
        return (self.owner_user_id is not None and self.owner_user_id == user.id) or \
            (self.owner_username is not None and user.role == "evaluator" and self.owner_username == user.username)


def session_media(session_id: str) -> list[MediaItem]:
    """Every stored media item of the session, in a stable order (kind, then creation)."""
    return [*_videos(session_id), *_segments(session_id), *_recordings(session_id), *_task_audio(session_id)]


def find_media(session_id: str, kind: str, item_id: str) -> MediaItem | None:
    """One item of the session, or None when the session holds no such stored item."""
    return next((item for item in _READERS.get(kind, _none)(session_id, item_id)), None)


def _videos(session_id: str, video_id: str | None = None) -> list[MediaItem]:
    query = db.select(Video).where(Video.session_id == session_id, Video.status == "complete",
                                   Video.storage_key.is_not(None))
    if video_id is not None:
        query = query.where(Video.video_id == video_id)
    return [MediaItem("video", video.video_id, video.storage_key,
                      guess_content_type(video.storage_key) or "application/octet-stream",
                      f"{video.video_id}.{video.file_extension}" if video.file_extension else video.video_id,
                      metadata=video.metadata_json)
            for video in db.session.scalars(query.order_by(Video.created_at, Video.id))]


def _segments(session_id: str, segment_id: str | None = None) -> list[MediaItem]:
    query = db.select(LiveSegment).where(LiveSegment.session_id == session_id, LiveSegment.audio_key.is_not(None))
    if segment_id is not None:
        query = query.where(LiveSegment.id == segment_id)
    return [MediaItem("segment", segment.id, segment.audio_key, segment.content_type or AUDIO_TYPE,
                      f"{segment.id}_{segment.client_id or 'client'}_{segment.image_index}."
                      f"{segment.audio_key.rsplit('.', 1)[-1]}",
                      owner_username=segment.evaluator_id or None,
                      metadata={"evaluator_id": segment.evaluator_id or None,
                                "client_id": segment.client_id or None, "image_index": segment.image_index})
            for segment in db.session.scalars(query.order_by(LiveSegment.received_at, LiveSegment.id))]


def _recordings(session_id: str, recording_id: str | None = None) -> list[MediaItem]:
    linked = db.select(SttTask.recording_id).where(SttTask.session_id == session_id,
                                                   SttTask.recording_id.is_not(None))
    query = db.select(Recording).where(Recording.id.in_(linked), Recording.deleted_at.is_(None),
                                       Recording.status.in_(STORED_STATUSES))
    if recording_id is not None:
        query = query.where(Recording.id == recording_id)
    return [MediaItem("recording", recording.id, recording.storage_key, recording.mime_type,
                      f"{recording.id}.{recording.storage_key.rsplit('.', 1)[-1]}",
                      owner_user_id=recording.recorded_by_user_id,
                      metadata={"recording_type": recording.recording_type,
                                "original_filename": recording.original_filename,
                                "duration_seconds": recording.duration_seconds})
            for recording in db.session.scalars(query.order_by(Recording.created_at, Recording.id))]


def _task_audio(session_id: str, task_id: str | None = None) -> list[MediaItem]:
    """Audio stored with a task (``POST .../stt/upload``): only keys under the session's own folder."""
    query = db.select(SttTask).where(SttTask.session_id == session_id, SttTask.storage_key.is_not(None),
                                     SttTask.segment_id.is_(None), SttTask.recording_id.is_(None),
                                     SttTask.storage_key.startswith(f"testbed/{session_id}/stt/", autoescape=True))
    if task_id is not None:
        query = query.where(SttTask.id == task_id)
    return [MediaItem("stt_audio", task.id, task.storage_key,
                      guess_content_type(task.storage_key) or "application/octet-stream",
                      task.storage_key.rsplit("/", 1)[-1], metadata={"audio_chunk_id": task.audio_chunk_id})
            for task in db.session.scalars(query.order_by(SttTask.created_at, SttTask.seq))]


def _none(_session_id: str, _item_id: str) -> list[MediaItem]:
    return []


_READERS = {"video": _videos, "segment": _segments, "recording": _recordings, "stt_audio": _task_audio}
