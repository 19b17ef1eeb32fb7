"""Requests and responses of the browser recording app (seed 001, ORIGINS B.1)."""

from marshmallow import ValidationError, fields, validate, validates_schema

from facial_backend.schemas.base import BaseSchema, FormInteger, NonNegative, SafeId, StrictFloat, StrictInteger
from facial_backend.services.recording_app.sessions import MEDIA_ROOTS

MAX_TOTAL_CHUNKS = 1_000_000
_VIDEO_TYPES = validate.OneOf(tuple(MEDIA_ROOTS))


class SessionCreateSchema(BaseSchema):
    participant_id = fields.String(allow_none=True, validate=validate.Length(max=200))
    participant_name = fields.String(allow_none=True, validate=validate.Length(max=200))
    video_type = fields.String(load_default="recording", validate=_VIDEO_TYPES)


class SessionCreatedSchema(BaseSchema):
    session_id = fields.String()
    created_at = fields.String()
    status = fields.String()


class ChunkFormSchema(BaseSchema):
    session_id = SafeId(required=True)
    video_id = SafeId(required=True)
    chunk_index = FormInteger(required=True, validate=NonNegative)
    total_chunks = FormInteger(required=True, validate=validate.Range(min=1, max=MAX_TOTAL_CHUNKS))
    video_type = fields.String(load_default=None, validate=_VIDEO_TYPES)
    file_extension = fields.String(load_default="webm",
                                   validate=validate.Regexp(r"^[A-Za-z0-9]{1,10}$",
                                                            error="Use 1-10 letters or digits."))
    chunk_sha256 = fields.String(load_default=None,
                                 validate=validate.Regexp(r"^[0-9a-fA-F]{64}$",
                                                          error="Use 64 hexadecimal characters."))

    @validates_schema
    def index_within_total(self, data, **kwargs):
        if data["chunk_index"] >= data["total_chunks"]:
            raise ValidationError("Must be less than total_chunks.", "chunk_index")


class ChunkReceivedSchema(BaseSchema):
    status = fields.String(metadata={"description": "chunk_received or video_complete"})
    chunk_index = fields.Integer()
    total_chunks = fields.Integer()
    received = fields.Integer()
    video_id = fields.String()
    file_path = fields.String()


class UploadStatusQuerySchema(BaseSchema):
    session_id = SafeId(required=True)
    video_id = SafeId(required=True)


class UploadStatusSchema(BaseSchema):
    session_id = fields.String()
    video_id = fields.String()
    status = fields.String(metadata={"description": "receiving, complete or expired"})
    total_chunks = fields.Integer()
    received = fields.List(fields.Integer())
    sha256 = fields.String()
    size = fields.Integer()
    file_path = fields.String()


class VideoMetadataSchema(BaseSchema):
    """Validated fields; every other field the app sends is kept as sent."""

    session_id = SafeId(required=True)
    video_id = SafeId(required=True)
    prompt_id = fields.String(allow_none=True, validate=validate.Length(max=200))
    duration = StrictFloat(allow_none=True, validate=NonNegative)
    file_size = StrictInteger(allow_none=True, validate=NonNegative)
    frame_rate = StrictFloat(allow_none=True, validate=NonNegative)


class MetadataSavedSchema(BaseSchema):
    status = fields.String()
    video_id = fields.String()


class RecordingSessionSchema(BaseSchema):
    session_id = fields.String()
    participant_id = fields.String(allow_none=True)
    participant_name = fields.String()
    created_at = fields.String()
    status = fields.String()
    video_type = fields.String()
    videos = fields.List(fields.Dict())
