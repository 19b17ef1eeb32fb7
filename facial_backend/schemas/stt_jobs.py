"""A transcription job as ``flask stt status`` prints it (times as UTC text ending in ``Z``)."""

from marshmallow import Schema, fields

from facial_backend.schemas.base import UtcTime


class SttJobSchema(Schema):
    id = fields.String(dump_only=True)
    source_kind = fields.String(dump_only=True)
    source_id = fields.String(dump_only=True)
    status = fields.String(dump_only=True)
    attempts = fields.Integer(dump_only=True)
    error = fields.String(dump_only=True, allow_none=True)
    text = fields.String(dump_only=True, allow_none=True)
    language = fields.String(dump_only=True, allow_none=True)
    confidence = fields.Float(dump_only=True, allow_none=True)
    duration = fields.Float(dump_only=True, allow_none=True)
    segments = fields.Raw(dump_only=True, allow_none=True)
    engine = fields.String(dump_only=True, allow_none=True)
    created_at = UtcTime(dump_only=True)
    started_at = UtcTime(dump_only=True, allow_none=True)
    finished_at = UtcTime(dump_only=True, allow_none=True)
