"""Constants of the browser recording app shared by its schemas and services."""

# Folder of each video_type under the data root (the origin's layout).
MEDIA_ROOTS = {"recording": "facial_recordings", "encoder_test": "camera_tests"}
VIDEO_TYPES = tuple(MEDIA_ROOTS)
MAX_TOTAL_CHUNKS = 1_000_000
# Content types of finished videos by file extension; anything else is application/octet-stream.
VIDEO_CONTENT_TYPES = {"webm": "video/webm", "mp4": "video/mp4", "mkv": "video/x-matroska",
                       "mov": "video/quicktime", "json": "application/json"}

# Client logs (POST /api/log/client): levels the app sends, and what is kept.
CLIENT_LOG_LEVELS = ("debug", "info", "warn", "warning", "error")
CLIENT_LOG_MAX_MESSAGE_CHARS = 4000
CLIENT_LOG_MAX_CONTEXT_BYTES = 16 * 1024
CLIENT_LOG_MAX_BODY_BYTES = 64 * 1024
CLIENT_LOG_MAX_PER_SESSION = 5000


def video_file_path(video) -> str:
    """The app's ``file_path`` of a video: ``<session_id>/<video_id>.<ext>``."""
    return f"{video.session_id}/{video.video_id}.{video.file_extension}"
