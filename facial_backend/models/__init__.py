"""Every model module, imported so the metadata (and alembic) sees all tables."""

from .live import LiveConnection, LiveMember, LivePresence, LiveSegment  # noqa: F401
from .recordings import Recording, RecordingStatusChange  # noqa: F401
from .sessions import StudySession
from .stt_jobs import SttJob  # noqa: F401
from .uploads import Video, VideoChunk
from .users import User

__all__ = ["StudySession", "User", "Video", "VideoChunk"]
