"""Every model module, imported so the metadata (and alembic) sees all tables."""

from .live import LiveConnection, LiveMember, LivePresence, LiveSegment
from .recordings import Recording, RecordingStatusChange
from .sessions import StudySession
from .stt_jobs import SttJob
from .testbed import Note, SttTask, TelemetryChannel, TelemetryPoint
from .uploads import Video, VideoChunk
from .users import User

__all__ = [
    "LiveConnection", "LiveMember", "LivePresence", "LiveSegment", "Note", "Recording",
    "RecordingStatusChange", "SttJob", "SttTask", "StudySession", "TelemetryChannel",
    "TelemetryPoint", "User", "Video", "VideoChunk",
]
