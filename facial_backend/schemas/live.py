"""Requests and answers of the evaluator/client apps (HTTP routes and Socket.IO events)."""

from marshmallow import fields, validate

from facial_backend.constants.live import PACKAGES, ROLES
from facial_backend.schemas.base import BaseSchema, NonNegativeInt32, SafeId, StrictFloat, StrictInteger

MAX_URL = 8192


class SegmentSchema(BaseSchema):
    """``POST /api/session/segment``: the audio of one image, as base64 or a signed URL."""

    sessionId = SafeId(load_default=None, allow_none=True)
    evaluatorId = SafeId(load_default=None, allow_none=True)
    clientId = SafeId(load_default=None, allow_none=True)
    imageIndex = StrictInteger(required=True, validate=NonNegativeInt32)
    signedUrl = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=MAX_URL))
    audioBase64 = fields.String(load_default=None, allow_none=True)


class EpochMillis(fields.DateTime):
    """Dumps a datetime as whole milliseconds since the epoch."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else int(value.timestamp() * 1000)


class EmptyAsNull(fields.String):
    """Dumps an empty string as ``null`` (ids a record may lack are stored as "")."""

    def _serialize(self, value, attr, obj, **kwargs):
        return value or None


class SegmentSavedSchema(BaseSchema):
    """Dumps the stored segment."""

    ok = fields.Constant(True, dump_only=True, required=True, metadata={"type": "boolean"})
    segmentId = fields.String(attribute="id", dump_only=True, required=True)


class SegmentQuerySchema(BaseSchema):
    sessionId = SafeId(load_default=None)
    clientId = SafeId(load_default=None)


class SegmentInfoSchema(BaseSchema):
    """A stored segment as the apps list it, plus size, type, update time and transcript."""

    id = fields.String(dump_only=True, required=True)
    sessionId = EmptyAsNull(attribute="session_id", dump_only=True, required=True, allow_none=True)
    evaluatorId = EmptyAsNull(attribute="evaluator_id", dump_only=True, required=True, allow_none=True)
    clientId = EmptyAsNull(attribute="client_id", dump_only=True, required=True, allow_none=True)
    imageIndex = fields.Integer(attribute="image_index", dump_only=True, required=True)
    signedUrl = fields.String(attribute="signed_url", dump_only=True, required=True, allow_none=True)
    hasAudio = fields.Function(lambda segment: segment.audio_key is not None, dump_only=True,
                               required=True, metadata={"type": "boolean"})
    audioSize = fields.Integer(attribute="audio_size", dump_only=True, required=True, allow_none=True)
    contentType = fields.String(attribute="content_type", dump_only=True, required=True,
                                allow_none=True)
    transcriptStatus = fields.String(attribute="transcript_status", dump_only=True, required=True,
                                     allow_none=True, metadata={
                                         "description": "queued, processing, done, failed or skipped"})
    transcript = fields.String(attribute="transcript_text", dump_only=True, required=True,
                               allow_none=True)
    receivedAt = EpochMillis(attribute="received_at", dump_only=True, required=True,
                             metadata={"type": "integer", "format": "int64",
                                       "description": "epoch milliseconds"})
    updatedAt = EpochMillis(attribute="updated_at", dump_only=True, required=True,
                            metadata={"type": "integer", "format": "int64",
                                      "description": "epoch milliseconds"})


class SegmentListSchema(BaseSchema):
    segments = fields.List(fields.Nested(SegmentInfoSchema), dump_only=True, required=True)


class PresenceSchema(BaseSchema):
    """``POST /api/presence`` (MQTT clients' heartbeat)."""

    userId = fields.String(load_default=None, allow_none=True)
    package = fields.String(load_default=None, allow_none=True)


class OkSchema(BaseSchema):
    ok = fields.Boolean(dump_only=True, required=True)


class ClientsQuerySchema(BaseSchema):
    package = fields.String(load_default=None)


class ClientInfoSchema(BaseSchema):
    """An online client (``presence.OnlineClient``)."""

    id = fields.String(dump_only=True, required=True)
    name = fields.String(dump_only=True, required=True)
    online = fields.Constant(True, dump_only=True, required=True, metadata={"type": "boolean"})
    inSession = fields.Boolean(attribute="in_session", dump_only=True, required=True)


class ClientListSchema(BaseSchema):
    clients = fields.List(fields.Nested(ClientInfoSchema), dump_only=True, required=True)


# Socket.IO events

class RegisterEvent(BaseSchema):
    userId = SafeId(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    package = fields.String(load_default="socketio", validate=validate.OneOf(PACKAGES))


class StartSessionEvent(BaseSchema):
    clientId = SafeId(required=True)


class ImageUpdateEvent(BaseSchema):
    imageIndex = StrictInteger(required=True, validate=NonNegativeInt32)
    imageUrl = fields.String(required=True, validate=validate.Length(min=1, max=MAX_URL))
    signedUrl = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=MAX_URL))
    sentAt = StrictFloat(load_default=None, allow_none=True)


class ImageAckEvent(BaseSchema):
    sentAt = StrictFloat(required=True)
    receivedAt = StrictFloat(required=True)
