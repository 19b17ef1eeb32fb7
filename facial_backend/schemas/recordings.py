"""Requests and responses of the iPhone recordings API (seed 003, ORIGINS D.1)."""

import json

from flask import current_app
from marshmallow import ValidationError, fields, post_load, validate, validates

from facial_backend.models.recordings import RECORDING_STATUSES, RECORDING_TYPES
from facial_backend.schemas.base import BaseSchema, NonNegative, StrictFloat, StrictInteger, UUIDString
from facial_backend.services.recordings.keys import allowed_content_type, normalise_content_type

MAX_METADATA_BYTES = 16 * 1024


def _small_json(value) -> None:
    if value is not None and len(json.dumps(value)) > MAX_METADATA_BYTES:
        raise ValidationError(f"Must be at most {MAX_METADATA_BYTES} bytes as JSON.")


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
    recording_id = fields.String()
    upload_url = fields.String(metadata={"description": "POST the fields, then the file part "
                                                        "`file` last, as multipart/form-data"})
    upload_fields = fields.Dict(keys=fields.String(), values=fields.String())
    s3_key = fields.String(metadata={"description": "The object's key in the bucket"})
    bucket = fields.String(metadata={"description": "The bucket; `local` on the local backend"})
    expires_in = fields.Integer()
    max_file_size = fields.Integer()


class CompleteUploadSchema(BaseSchema):
    file_size_bytes = StrictInteger(allow_none=True, load_default=None, validate=NonNegative,
                                    metadata={"description": "Informational: the size is "
                                                             "taken from storage"})
    duration_seconds = StrictFloat(allow_none=True, load_default=None, validate=NonNegative)
    recording_metadata = fields.Dict(allow_none=True, load_default=None, validate=_small_json,
                                     metadata={"description": "What the seed and iPhone app send"})
    metadata = fields.Dict(allow_none=True, load_default=None, validate=_small_json,
                           metadata={"description": "What the origin server read"})


class CompletedUploadSchema(BaseSchema):
    message = fields.String()
    recording_id = fields.String()


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
    download_url = fields.String()
    expires_in = fields.Integer()
    filename = fields.String()


class MessageSchema(BaseSchema):
    message = fields.String()


class RecordingSchema(BaseSchema):
    """The origin's RecordingResponse."""

    id = fields.String()
    visit_id = fields.String(allow_none=True)
    appointment_id = fields.String(allow_none=True)
    recording_type = fields.String()
    status = fields.String()
    filename = fields.String()
    original_filename = fields.String(allow_none=True)
    file_size_bytes = fields.Integer(allow_none=True)
    duration_seconds = fields.Float(allow_none=True)
    duration_formatted = fields.String(allow_none=True, metadata={"description": "MM:SS"})
    mime_type = fields.String()
    s3_url = fields.String(allow_none=True, metadata={"description": "Always null: the bucket "
                                                                     "is private, use download-url"})
    transcript_text = fields.String(allow_none=True)
    transcript_confidence = fields.Float(allow_none=True)
    transcript_language = fields.String(allow_none=True)
    transcription_service = fields.String(allow_none=True)
    processing_started_at = fields.String(allow_none=True)
    processing_completed_at = fields.String(allow_none=True)
    processing_error = fields.String(allow_none=True)
    is_transcribed = fields.Boolean()
    is_processing = fields.Boolean()
    created_at = fields.String()
    updated_at = fields.String()
    recorded_by_user_id = fields.String()


class TranscriptionJobSchema(BaseSchema):
    recording_id = fields.String()
    job_id = fields.String()
    status = fields.String(metadata={"description": "queued or processing"})
