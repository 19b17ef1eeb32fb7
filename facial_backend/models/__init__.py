"""Every model module, imported so the metadata (and alembic) sees all tables."""

from facial_backend.models.audit import AuditEvent
from facial_backend.models.client_logs import ClientLog
from facial_backend.models.live import LiveConnection, LiveMember, LivePresence, LiveProcess, LiveSegment
from facial_backend.models.live_events import LiveEventOutbox
from facial_backend.models.recordings import Recording, RecordingStatusChange
from facial_backend.models.sessions import StudySession
from facial_backend.models.stt_jobs import SttJob
from facial_backend.models.testbed import Note, SttTask, TelemetryChannel, TelemetryPoint
from facial_backend.models.tus import TusUpload
from facial_backend.models.uploads import Video, VideoChunk
from facial_backend.models.users import User

__all__ = [
    "AuditEvent", "ClientLog", "LiveConnection", "LiveMember", "LivePresence", "LiveProcess", "LiveSegment",
    "Note", "Recording",
    "LiveEventOutbox", "RecordingStatusChange", "SttJob", "SttTask", "StudySession", "TelemetryChannel",
    "TelemetryPoint", "TusUpload", "User", "Video", "VideoChunk",
]
