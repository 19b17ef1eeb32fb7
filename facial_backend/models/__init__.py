"""Every model module, imported so the metadata (and alembic) sees all tables."""

from .sessions import StudySession
from .uploads import Video, VideoChunk
from .users import User

__all__ = ["StudySession", "User", "Video", "VideoChunk"]
