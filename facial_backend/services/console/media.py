"""The stored media a console user may play: a session's finished videos and segment audio,
and recordings (their owner's, or any for admins and operators). Anything else is 404."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from facial_backend.errors import NotFound
from facial_backend.extensions import db
from facial_backend.models.live import LiveSegment
from facial_backend.models.recordings import Recording
from facial_backend.models.testbed import SttTask
from facial_backend.models.uploads import Video
from facial_backend.models.users import User
from facial_backend.services.console.access import recording_visible, sees_whole_session, visible_session
from facial_backend.services.recording_app.sessions import video_key

MEDIA_KINDS = ("video", "segment", "recording")


@dataclass(frozen=True)
class MediaObject:
    kind: str
    id: str
    session_id: str | None
    key: str
    content_type: str


def media_object(user: User, kind: str, media_id: str) -> MediaObject:
    readers = {"video": _video, "segment": _segment, "recording": _recording}
    if kind not in readers:
        raise NotFound(f"There is no media kind {kind!r}.", "media_not_found")
    found = readers[kind](user, media_id)
    if found is None:
        raise NotFound(f"No {kind} {media_id} to play.", "media_not_found")
    return found


def _video(user: User, media_id: str) -> MediaObject | None:
    video = db.session.get(Video, int(media_id)) if media_id.isdigit() and len(media_id) < 12 else None
    if video is None or video.status != "complete" or not _whole_session_visible(user, video.session_id):
        return None
    return MediaObject("video", media_id, video.session_id, video_key(video),
                       f"video/{video.file_extension or 'webm'}")


def _segment(user: User, media_id: str) -> MediaObject | None:
    segment = db.session.get(LiveSegment, media_id)
    if segment is None or not segment.audio_key or not _whole_session_visible(user, segment.session_id):
        return None
    return MediaObject("segment", media_id, segment.session_id, segment.audio_key,
                       segment.content_type or "audio/mp4")


def _recording(user: User, media_id: str) -> MediaObject | None:
    recording = db.session.get(Recording, media_id)
    if recording is None or recording.deleted_at is not None or not recording_visible(user, recording):
        return None
    session_id = db.session.scalar(select(SttTask.session_id).filter_by(recording_id=media_id).limit(1))
    return MediaObject("recording", media_id, session_id, recording.storage_key, recording.mime_type)


def _whole_session_visible(user: User, session_id: str) -> bool:
    try:
        session = visible_session(user, session_id)
    except NotFound:
        return False
    return sees_whole_session(user, session)
