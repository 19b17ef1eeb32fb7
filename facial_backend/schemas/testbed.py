"""Requests and responses of the testbed API: sessions, notes, speech-to-text tasks.

Response schemas dump the models (times as UTC text ending in ``Z``); the live events of
notes, sessions and tasks carry the same bodies."""

from __future__ import annotations

from datetime import datetime

from flask_smorest.fields import Upload
from marshmallow import ValidationError, fields, validate

from facial_backend.models.sessions import SESSION_KINDS
from facial_backend.models.testbed import NOTE_TYPES, STT_STATUSES
from facial_backend.schemas.base import BaseSchema, FreeJson, NonNegative, SafeId, StrictFloat, UtcTime
from facial_backend.timeutil import as_utc

SESSION_STATUSES = ("active", "ended")
MAX_TEXT = 1_000_000


def parse_datetime(value: object) -> datetime:
    """ISO 8601 text to aware UTC (naive is UTC, ``Z`` and offsets accepted); a time whose
    offset takes it past year 1 or 9999 in UTC is refused, not a server error."""
    if not isinstance(value, str):
        raise ValidationError("Not a valid datetime.")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError("Not a valid ISO 8601 datetime.") from None
    try:
        return as_utc(parsed)
    except OverflowError:
        raise ValidationError("Out of range: in UTC this time is before year 1 or after 9999.") from None


class IsoDateTime(fields.DateTime):
    """An ISO 8601 datetime, loaded as aware UTC (documented as a ``date-time`` string)."""

    def _deserialize(self, value, attr, data, **kwargs):
        return parse_datetime(value)


class StrictBoolean(fields.Boolean):
    """``true``/``false`` in JSON; ``true``/``false``/``1``/``0`` in a query string."""

    truthy = {True, "true", "True", "1"}
    falsy = {False, "false", "False", "0"}


# ---- sessions

class TestbedSessionCreateSchema(BaseSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=500))
    description = fields.String(allow_none=True, validate=validate.Length(max=MAX_TEXT))


class TestbedSessionUpdateSchema(BaseSchema):
    name = fields.String(allow_none=True, validate=validate.Length(min=1, max=500))
    description = fields.String(allow_none=True, validate=validate.Length(max=MAX_TEXT))
    status = fields.String(allow_none=True, validate=validate.OneOf(SESSION_STATUSES))


class TestbedSessionListQuerySchema(BaseSchema):
    kind = fields.String(load_default="testbed",
                         validate=validate.OneOf(("testbed", "recording", "live", "all")),
                         metadata={"description": "Which sessions: testbed (default), another kind or all"})
    limit = fields.Integer(load_default=None, validate=validate.Range(min=1, max=10_000))
    offset = fields.Integer(load_default=0, validate=NonNegative)


class TestbedSessionDeleteQuerySchema(BaseSchema):
    delete_media = StrictBoolean(load_default=False,
                                 metadata={"description": "Also delete the stored audio of its STT tasks"})


class TestbedSessionSchema(BaseSchema):
    id = fields.String(dump_only=True, required=True)
    name = fields.String(dump_only=True, required=True, allow_none=True)
    description = fields.String(dump_only=True, required=True, allow_none=True)
    status = fields.String(dump_only=True, required=True, metadata={"description": "active or ended"})
    started_at = UtcTime(dump_only=True, required=True)
    ended_at = UtcTime(dump_only=True, required=True, allow_none=True)
    kind = fields.String(dump_only=True, required=True, metadata={"enum": list(SESSION_KINDS)})
    note_count = fields.Integer(dump_only=True, required=True)


class TestbedMessageSchema(BaseSchema):
    message = fields.String(dump_only=True, required=True)


# ---- notes (with the v0.3 append)

class TestbedNoteCreateSchema(BaseSchema):
    timestamp = IsoDateTime(required=True)
    content = fields.String(required=True, validate=validate.Length(max=MAX_TEXT))
    speaker = fields.String(allow_none=True, validate=validate.Length(max=200))
    type = fields.String(load_default=None, validate=validate.OneOf(NOTE_TYPES), metadata={
        "description": "Default: observation, or detail when TESTBED_API_VERSION is 0.3"})
    tags = fields.List(fields.String(validate=validate.Length(max=200)), load_default=list,
                       validate=validate.Length(max=100))
    telemetry_snapshot = FreeJson(allow_none=True, load_default=None)
    allow_ended = StrictBoolean(load_default=False)


class TestbedNoteUpdateSchema(BaseSchema):
    content = fields.String(allow_none=True, validate=validate.Length(max=MAX_TEXT))
    speaker = fields.String(allow_none=True, validate=validate.Length(max=200))
    type = fields.String(allow_none=True, validate=validate.OneOf(NOTE_TYPES))
    tags = fields.List(fields.String(validate=validate.Length(max=200)), allow_none=True,
                       validate=validate.Length(max=100))
    allow_ended = StrictBoolean(load_default=False)


class TestbedNoteAppendSchema(BaseSchema):
    append_content = fields.String(required=True, validate=validate.Length(min=1, max=MAX_TEXT))
    timestamp = IsoDateTime(load_default=None)
    telemetry_snapshot = FreeJson(allow_none=True, load_default=None)
    allow_ended = StrictBoolean(load_default=False)


class TestbedNoteListQuerySchema(BaseSchema):
    speaker = fields.String()
    type = fields.String(validate=validate.OneOf(NOTE_TYPES))
    from_ = IsoDateTime(data_key="from")
    to = IsoDateTime()


class TestbedAllowEndedQuerySchema(BaseSchema):
    allow_ended = StrictBoolean(load_default=False)


class TestbedExportQuerySchema(BaseSchema):
    format = fields.String(load_default="markdown",
                           metadata={"description": "markdown (default; any other value) or json"})


class TestbedNoteSchema(BaseSchema):
    id = fields.String(dump_only=True, required=True)
    session_id = fields.String(dump_only=True, required=True)
    timestamp = UtcTime(dump_only=True, required=True)
    speaker = fields.String(dump_only=True, required=True, allow_none=True)
    content = fields.String(dump_only=True, required=True)
    type = fields.String(dump_only=True, required=True, metadata={"enum": list(NOTE_TYPES)})
    tags = fields.List(fields.String(), dump_only=True, required=True)
    telemetry_snapshot = fields.Dict(dump_only=True, required=True, allow_none=True)
    created_at = UtcTime(dump_only=True, required=True)
    updated_at = UtcTime(dump_only=True, required=True)


# ---- speech-to-text tasks

class TestbedSttTaskCreateSchema(BaseSchema):
    audio_chunk_id = fields.String(required=True, validate=validate.Length(min=1, max=200))
    duration_seconds = StrictFloat(allow_none=True, validate=NonNegative)
    segment_id = SafeId(allow_none=True, metadata={"description": "A live-session segment of this session"})
    recording_id = SafeId(allow_none=True, metadata={"description": "An iPhone recording of the caller"})


class TestbedSttTaskUpdateSchema(BaseSchema):
    status = fields.String(required=True,
                           validate=validate.OneOf(STT_STATUSES))
    transcript = fields.String(allow_none=True, validate=validate.Length(max=MAX_TEXT))
    error = fields.String(allow_none=True, validate=validate.Length(max=MAX_TEXT))


class TestbedSttTaskSchema(BaseSchema):
    id = fields.String(dump_only=True, required=True)
    session_id = fields.String(dump_only=True, required=True)
    audio_chunk_id = fields.String(dump_only=True, required=True)
    duration_seconds = fields.Float(dump_only=True, required=True, allow_none=True)
    status = fields.String(dump_only=True, required=True,
                           metadata={"description": "pending, processing, done or failed",
                                     "enum": list(STT_STATUSES)})
    transcript = fields.String(dump_only=True, required=True, allow_none=True)
    error = fields.String(dump_only=True, required=True, allow_none=True)
    segment_id = fields.String(dump_only=True, required=True, allow_none=True)
    recording_id = fields.String(dump_only=True, required=True, allow_none=True)
    created_at = UtcTime(dump_only=True, required=True)
    updated_at = UtcTime(dump_only=True, required=True)


class SttUploadFormSchema(BaseSchema):
    """``POST /api/sessions/<sid>/stt/upload``: the audio is the file part ``file`` (or ``audio``)."""

    file = Upload(metadata={"description": "The audio (m4a, wav, webm, ogg, mp3...)"})
    audio = Upload(metadata={"description": "The audio, when not sent as file"})
    audio_chunk_id = fields.String(validate=validate.Length(min=1, max=200), metadata={
        "description": "The client's name of this piece of audio (default: the file name)"})
    duration_seconds = fields.Float(allow_nan=False, validate=NonNegative,
                                    metadata={"description": "Length of the audio in seconds"})
