"""Requests and responses of the browser recording app: sessions, chunks, metadata.

Response schemas dump the service's objects (sessions, videos, chunk outcomes) into the
exact shapes the app reads.
"""

from marshmallow import ValidationError, fields, post_dump, validate, validates_schema

from facial_backend.constants.recording_app import MAX_TOTAL_CHUNKS, VIDEO_TYPES, video_file_path
from facial_backend.models.uploads import VIDEO_STATUSES
from facial_backend.schemas.base import (
    BaseSchema,
    FormInteger,
    FreeJsonDocument,
    FullMatch,
    NonNegative,
    SafeId,
    StrictFloat,
    StrictInteger,
    UtcTime,
)
from facial_backend.timeutil import isoformat_z

_VIDEO_TYPES = validate.OneOf(VIDEO_TYPES)
_TEXT = {"type": "string"}


class SessionCreateSchema(BaseSchema):
    participant_id = fields.String(allow_none=True, validate=validate.Length(max=200),
                                   metadata={"description": "The study's participant id"})
    participant_name = fields.String(allow_none=True, validate=validate.Length(max=200),
                                     metadata={"description": "Default: Anonymous"})
    video_type = fields.String(load_default="recording", validate=_VIDEO_TYPES,
                               metadata={"description": "recording or encoder_test"})


class SessionCreatedSchema(BaseSchema):
    """A new session."""

    session_id = fields.String(attribute="id")
    created_at = UtcTime(attribute="started_at")
    status = fields.String()


class ChunkFormSchema(BaseSchema):
    session_id = SafeId(required=True, metadata={"description": "From /api/session/create"})
    video_id = SafeId(required=True, metadata={"description": "The app's id of the video"})
    chunk_index = FormInteger(required=True, validate=NonNegative,
                              metadata={"description": "0-based index of this chunk"})
    total_chunks = FormInteger(required=True, validate=validate.Range(min=1, max=MAX_TOTAL_CHUNKS),
                               metadata={"description": "Chunks of the whole video (same on every chunk)"})
    video_type = fields.String(load_default=None, validate=_VIDEO_TYPES,
                               metadata={"description": "Must match the session's, if sent"})
    file_extension = fields.String(load_default="webm",
                                   validate=FullMatch(r"^[A-Za-z0-9]{1,10}$",
                                                      error="Use 1-10 letters or digits."),
                                   metadata={"description": "Extension of the finished file"})
    chunk_sha256 = fields.String(load_default=None,
                                 validate=FullMatch(r"^[0-9a-fA-F]{64}$",
                                                    error="Use 64 hexadecimal characters."),
                                 metadata={"description": "SHA-256 of this chunk's bytes, checked"})

    @validates_schema
    def index_within_total(self, data, **kwargs):
        if data["chunk_index"] >= data["total_chunks"]:
            raise ValidationError("Must be less than total_chunks.", "chunk_index")


class ChunkReceivedSchema(BaseSchema):
    """A chunk's outcome: ``chunk_received`` with the counts, or ``video_complete`` with the
    finished video's path (also on every retry once complete)."""

    _SHAPES = {"chunk_received": ("status", "chunk_index", "total_chunks", "received"),
               "video_complete": ("status", "video_id", "file_path")}

    status = fields.Function(lambda outcome: "video_complete" if outcome.complete else "chunk_received",
                             metadata={**_TEXT, "enum": list(_SHAPES)})
    chunk_index = fields.Integer()
    total_chunks = fields.Integer()
    received = fields.Integer(metadata={"description": "Chunks received so far"})
    video_id = fields.String()
    file_path = fields.String(metadata={"description": "<session_id>/<video_id>.<ext>"})

    @post_dump
    def fields_of_the_status(self, data, **kwargs):
        return {name: data[name] for name in self._SHAPES[data["status"]]}


class UploadStatusQuerySchema(BaseSchema):
    session_id = SafeId(required=True)
    video_id = SafeId(required=True)


class UploadStatusSchema(BaseSchema):
    """Which chunks of a video arrived; the digest, size and path once it is complete."""

    _COMPLETE_ONLY = ("sha256", "size", "file_path")

    session_id = fields.String(attribute="video.session_id")
    video_id = fields.String(attribute="video.video_id")
    status = fields.String(attribute="video.status",
                           metadata={"description": "receiving, complete or expired", "enum": list(VIDEO_STATUSES)})
    total_chunks = fields.Integer(attribute="video.total_chunks")
    received = fields.List(fields.Integer())
    sha256 = fields.String(attribute="video.sha256")
    size = fields.Integer(attribute="video.size")
    file_path = fields.Function(lambda status: video_file_path(status.video), metadata=_TEXT)

    @post_dump
    def complete_fields_when_complete(self, data, **kwargs):
        if data["status"] != "complete":
            for name in self._COMPLETE_ONLY:
                data.pop(name, None)
        return data


class VideoMetadataSchema(FreeJsonDocument):
    """Validated fields; every other field the app sends is kept as sent."""

    session_id = SafeId(required=True)
    video_id = SafeId(required=True)
    prompt_id = fields.String(allow_none=True, validate=validate.Length(max=200))
    duration = StrictFloat(allow_none=True, validate=NonNegative, metadata={"description": "Seconds"})
    file_size = StrictInteger(allow_none=True, validate=NonNegative, metadata={"description": "Bytes"})
    frame_rate = StrictFloat(allow_none=True, validate=NonNegative)


class MetadataSavedSchema(BaseSchema):
    """The video whose metadata was kept."""

    status = fields.Constant("metadata_saved", metadata=_TEXT)
    video_id = fields.String(attribute="id")


class VideoEntrySchema(BaseSchema):
    """One video of a session: the metadata the app sent, then the upload state (which the
    metadata never overrides)."""

    _NOT_COPIED = ("session_id", "videoId")

    video_id = fields.String()
    prompt_id = fields.String(allow_none=True)
    uploaded_at = fields.Function(lambda video: isoformat_z(video.metadata_at or video.completed_at),
                                  metadata={**_TEXT, "format": "date-time", "nullable": True})
    status = fields.String(metadata={"description": "receiving, complete or expired", "enum": list(VIDEO_STATUSES)})
    total_chunks = fields.Integer(allow_none=True)
    received_chunks = fields.Integer()
    size = fields.Integer(allow_none=True)
    sha256 = fields.String(allow_none=True)
    file_path = fields.Function(lambda video: video_file_path(video) if video.status == "complete" else None,
                                metadata={**_TEXT, "nullable": True})
    completed_at = UtcTime(allow_none=True)

    @post_dump(pass_original=True)
    def metadata_first(self, data, video, **kwargs):
        sent = {key: value for key, value in (video.metadata_json or {}).items()
                if key not in data and key not in self._NOT_COPIED}
        return {**sent, **data}


class RecordingSessionSchema(BaseSchema):
    """A session with each of its videos once (also the ``session.json`` mirror)."""

    session_id = fields.String(attribute="session.id")
    participant_id = fields.String(attribute="session.participant_id", allow_none=True)
    participant_name = fields.String(attribute="session.participant_name")
    created_at = UtcTime(attribute="session.started_at")
    status = fields.String(attribute="session.status")
    video_type = fields.String(attribute="session.video_type")
    videos = fields.List(fields.Nested(VideoEntrySchema))
