"""Requests and responses of the recording app's operational routes: client logs, statistics
and clearing all data."""

from marshmallow import ValidationError, fields, validate

from facial_backend.constants.recording_app import (
    CLIENT_LOG_LEVELS,
    CLIENT_LOG_MAX_CONTEXT_BYTES,
    CLIENT_LOG_MAX_MESSAGE_CHARS,
)
from facial_backend.schemas.base import BaseSchema, FreeJson, NonNegative, SafeId, UtcTime

CLEAR_ALL_CONFIRMATION = "clear-all"


def _known_level(value: str) -> None:
    if value.lower() not in CLIENT_LOG_LEVELS:
        raise ValidationError(f"Must be one of: {', '.join(CLIENT_LOG_LEVELS)}.")


class ClientLogSchema(BaseSchema):
    """One log line of the app's uploader or logger; other fields are ignored."""

    level = fields.String(load_default="info", validate=_known_level,
                          metadata={"description": "info, warn or error (any case); default info"})
    message = fields.String(required=True, validate=validate.Length(max=CLIENT_LOG_MAX_MESSAGE_CHARS))
    context = FreeJson(any_value=True, max_bytes=CLIENT_LOG_MAX_CONTEXT_BYTES, load_default=None,
                       allow_none=True, metadata={"description": "Any JSON value"})
    session_id = SafeId(load_default=None, allow_none=True,
                        metadata={"description": "The app's session, once it has one"})
    timestamp = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64),
                              metadata={"description": "The app's time of the line, kept as sent"})


class ClientLogStoredSchema(BaseSchema):
    status = fields.Constant("logged", metadata={"type": "string"})


class ClientLogLineSchema(BaseSchema):
    """A kept line: the server's time of receipt, the level upper-cased."""

    timestamp = UtcTime(attribute="received_at")
    level = fields.String()
    message = fields.String()
    context = fields.Raw(allow_none=True)
    client_timestamp = fields.String(allow_none=True)
    client_ip = fields.String(allow_none=True)


class SessionLogsSchema(BaseSchema):
    session_id = fields.String()
    log_count = fields.Integer()
    logs = fields.List(fields.Nested(ClientLogLineSchema))


class StatsQuerySchema(BaseSchema):
    limit = fields.Integer(load_default=500, validate=validate.Range(min=1, max=5000),
                           metadata={"description": "Sessions listed (newest first)"})
    offset = fields.Integer(load_default=0, validate=NonNegative)


class SessionFiguresSchema(BaseSchema):
    session_id = fields.String()
    participant_name = fields.String(allow_none=True)
    created_at = UtcTime()
    video_type = fields.String(allow_none=True)
    video_count = fields.Integer(metadata={"description": "Completed videos"})
    total_size_mb = fields.Float()
    total_bytes = fields.Integer()
    status = fields.String(metadata={"description": "complete once a video is, else in_progress"})
    last_activity_at = UtcTime(allow_none=True)


class RecentActivitySchema(BaseSchema):
    since = UtcTime()
    sessions_created = fields.Integer()
    videos_completed = fields.Integer()
    bytes_completed = fields.Integer()
    client_errors = fields.Integer(metadata={"description": "Client log lines at level ERROR"})
    last_session_at = UtcTime(allow_none=True)
    last_upload_at = UtcTime(allow_none=True)


class StatsSchema(BaseSchema):
    """The origin's figures (sizes in MiB), then exact bytes, uploads by state and the last
    24 hours."""

    total_sessions = fields.Integer()
    total_videos = fields.Integer(metadata={"description": "Completed videos"})
    total_size_mb = fields.Float()
    total_bytes = fields.Integer()
    videos_by_status = fields.Dict(keys=fields.String(), values=fields.Integer())
    sessions_by_video_type = fields.Dict(keys=fields.String(), values=fields.Integer())
    recent = fields.Nested(RecentActivitySchema)
    sessions = fields.List(fields.Nested(SessionFiguresSchema))


class ClearAllSchema(BaseSchema):
    confirm = fields.String(required=True, validate=validate.Equal(
        CLEAR_ALL_CONFIRMATION, error=f"Must be the text {CLEAR_ALL_CONFIRMATION!r}."),
        metadata={"description": f"The text {CLEAR_ALL_CONFIRMATION!r}, to show the deletion is meant"})


class DeletedCountsSchema(BaseSchema):
    recordings = fields.Integer(metadata={"description": "Sessions of video_type recording"})
    camera_tests = fields.Integer(metadata={"description": "Sessions of video_type encoder_test"})
    files = fields.Integer(metadata={"description": "Stored files removed"})


class ClearedSchema(BaseSchema):
    status = fields.Constant("success", metadata={"type": "string"})
    deleted = fields.Nested(DeletedCountsSchema)
