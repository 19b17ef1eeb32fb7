"""Requests and responses of the iPhone recordings API: presigned upload, completion,
listing, download links, transcription and soft delete.

Response schemas dump the service's objects (recordings, initiated uploads, links, jobs).
"""

from flask import current_app
from marshmallow import ValidationError, fields, post_load, validate, validates

from facial_backend.constants.recordings import allowed_content_type, normalise_content_type
from facial_backend.models.recordings import RECORDING_STATUSES, RECORDING_TYPES
from facial_backend.schemas.base import (
    BaseSchema,
    FreeJson,
    NonNegative,
    StrictFloat,
    StrictInteger,
    UtcTime,
    UUIDString,
)

MAX_METADATA_BYTES = 16 * 1024
_METADATA_OUT = ("What the app sent as recording_metadata (or metadata) at completion; "
                 "client_file_size_bytes when its size differed from the stored file's")


class InitiateUploadSchema(BaseSchema):
    appointment_id = UUIDString(allow_none=True, load_default=None)
    visit_id = UUIDString(allow_none=True, load_default=None)
    recording_type = fields.String(load_default="visit_audio", validate=validate.OneOf(RECORDING_TYPES))
    filename = fields.String(required=True, validate=validate.Length(min=1, max=255))
    content_type = fields.String(load_default="audio/m4a",
                                 metadata={"description": "An audio type of RECORDING_CONTENT_TYPES"})
    estimated_duration_seconds = StrictFloat(allow_none=True, load_default=None, validate=NonNegative)

    @validates("content_type")
    def allowed_content_type(self, value: str, **kwargs) -> None:
        if allowed_content_type(value) is None:
            raise ValidationError(f"Must be one of {', '.join(current_app.config['RECORDING_CONTENT_TYPES'])}.")

    @post_load
    def normalise(self, data, **kwargs):
        data["content_type"] = normalise_content_type(data["content_type"])
        return data


class InitiatedUploadSchema(BaseSchema):
    """A started upload: where and how to POST the file."""

    recording_id = fields.String(attribute="recording.id")
    upload_url = fields.String(attribute="url",
                               metadata={"description": "POST the fields, then the file part "
                                                        "`file` last, as multipart/form-data"})
    upload_fields = fields.Dict(attribute="fields", keys=fields.String(), values=fields.String())
    s3_key = fields.String(attribute="object_key", metadata={"description": "The object's key in the bucket"})
    bucket = fields.String(attribute="recording.storage_bucket",
                           metadata={"description": "The bucket; `local` on the local backend"})
    expires_in = fields.Integer()
    max_file_size = fields.Integer(attribute="max_bytes")


class CompleteUploadSchema(BaseSchema):
    file_size_bytes = StrictInteger(allow_none=True, load_default=None, validate=NonNegative,
                                    metadata={"description": "Informational: the size is "
                                                             "taken from storage"})
    duration_seconds = StrictFloat(allow_none=True, load_default=None, validate=NonNegative)
    recording_metadata = FreeJson(allow_none=True, load_default=None, max_bytes=MAX_METADATA_BYTES,
                                  metadata={"description": "What the iPhone app sends: any JSON object"})
    metadata = FreeJson(allow_none=True, load_default=None, max_bytes=MAX_METADATA_BYTES,
                        metadata={"description": "Alias of recording_metadata (its keys lose "
                                                 "to recording_metadata's)"})

    @post_load
    def one_metadata(self, data, **kwargs):
        """``metadata`` and ``recording_metadata`` merged into ``recording_metadata``."""
        merged = {**(data.pop("metadata") or {}), **(data["recording_metadata"] or {})}
        data["recording_metadata"] = merged
        return data


class CompletedUploadSchema(BaseSchema):
    """A completed upload (also on every retry)."""

    message = fields.Constant("Recording upload completed successfully", metadata={"type": "string"})
    recording_id = fields.String(attribute="id")
    recording_metadata = fields.Function(lambda recording: recording.recording_metadata or {},
                                         metadata={"type": "object", "description": _METADATA_OUT})


class ListQuerySchema(BaseSchema):
    appointment_id = UUIDString(load_default=None)
    visit_id = UUIDString(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(RECORDING_STATUSES))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=100))
    offset = fields.Integer(load_default=0, validate=NonNegative)
    include_deleted = fields.Boolean(load_default=False,
                                     metadata={"description": "Admins only: list deleted ones too"})


class DownloadQuerySchema(BaseSchema):
    expires_in = fields.Integer(load_default=3600, validate=validate.Range(min=300, max=86400))


class DownloadUrlSchema(BaseSchema):
    """A presigned, expiring download link."""

    download_url = fields.String(attribute="url")
    expires_in = fields.Integer()
    filename = fields.String()


class DeletedSchema(BaseSchema):
    """A soft-deleted recording."""

    message = fields.Constant("Recording deleted successfully", metadata={"type": "string"})


def _duration_formatted(recording) -> str | None:
    seconds = recording.duration_seconds
    if not seconds:
        return None
    return f"{int(seconds // 60):02d}:{int(seconds % 60):02d}"


class RecordingSchema(BaseSchema):
    """The origin's RecordingResponse, plus the transcription's details and the metadata the
    app sent at completion."""

    id = fields.String()
    visit_id = fields.String(allow_none=True)
    appointment_id = fields.String(allow_none=True)
    recording_type = fields.String(metadata={"enum": list(RECORDING_TYPES)})
    status = fields.String(metadata={"enum": list(RECORDING_STATUSES)})
    filename = fields.String()
    original_filename = fields.String(allow_none=True)
    file_size_bytes = fields.Integer(allow_none=True)
    duration_seconds = fields.Float(allow_none=True)
    duration_formatted = fields.Function(_duration_formatted,
                                         metadata={"type": "string", "nullable": True, "description": "MM:SS"})
    mime_type = fields.String()
    s3_url = fields.Constant(None, metadata={"type": "string", "nullable": True,
                                             "description": "Always null: the bucket is private, "
                                                            "use download-url"})
    transcript_text = fields.String(allow_none=True)
    transcript_confidence = fields.Float(allow_none=True)
    transcript_language = fields.String(allow_none=True)
    transcription_service = fields.String(allow_none=True)
    processing_started_at = UtcTime(allow_none=True)
    processing_completed_at = UtcTime(allow_none=True)
    processing_error = fields.String(allow_none=True)
    is_transcribed = fields.Function(
        lambda recording: recording.status == "transcribed" and bool(recording.transcript_text),
        metadata={"type": "boolean"})
    is_processing = fields.Function(lambda recording: recording.status in ("processing", "uploading"),
                                    metadata={"type": "boolean"})
    created_at = UtcTime()
    updated_at = UtcTime()
    recorded_by_user_id = fields.String()
    recording_metadata = fields.Function(lambda recording: recording.recording_metadata or {},
                                         metadata={"type": "object", "description": _METADATA_OUT})


class TranscriptionJobSchema(BaseSchema):
    """The queued (or already running) transcription job of a recording."""

    recording_id = fields.String(attribute="source_id")
    job_id = fields.String(attribute="id")
    status = fields.String(metadata={"description": "queued or processing"})
