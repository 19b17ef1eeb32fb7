"""How far a video's chunked upload is: which chunks arrived (so an app can resume)."""

from __future__ import annotations

from dataclasses import dataclass

from facial_backend.errors import ApiError
from facial_backend.extensions import db
from facial_backend.models.uploads import Video, VideoChunk
from facial_backend.services.recording_app.sessions import get_session
from facial_backend.services.recording_app.videos import find_video


@dataclass(frozen=True)
class UploadProgress:
    video: Video
    received: list[int]


def upload_progress(session_id: str, video_id: str) -> UploadProgress:
    """The video's received chunk indexes, ascending; 404 if no chunk of it ever arrived."""
    session = get_session(session_id)
    video = find_video(session.id, video_id)
    if video is None or video.total_chunks is None:
        raise ApiError(404, "video_not_found", f"No upload of video {video_id} in this session.")
    received = db.session.scalars(db.select(VideoChunk.chunk_index).filter_by(video_pk=video.id)
                                  .order_by(VideoChunk.chunk_index)).all()
    return UploadProgress(video, list(received))
