"""Requests and answers of the evaluator/client apps (seeds 000/002, ORIGINS A.1/A.2)."""

from marshmallow import fields, validate

from facial_backend.schemas.base import BaseSchema, NonNegative, SafeId, StrictFloat, StrictInteger

PACKAGES = ("socketio", "mqtt", "webrtc")
ROLES = ("evaluator", "client")
MAX_URL = 8192


class SegmentSchema(BaseSchema):
    """``POST /api/session/segment`` (seed 000 section 3)."""

    sessionId = SafeId(load_default=None, allow_none=True)
    evaluatorId = SafeId(load_default=None, allow_none=True)
    clientId = SafeId(load_default=None, allow_none=True)
    imageIndex = StrictInteger(required=True, validate=NonNegative)
    signedUrl = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=MAX_URL))
    audioBase64 = fields.String(load_default=None, allow_none=True)


class SegmentSavedSchema(BaseSchema):
    ok = fields.Boolean()
    segmentId = fields.String()


class SegmentQuerySchema(BaseSchema):
    sessionId = SafeId(load_default=None)
    clientId = SafeId(load_default=None)


class SegmentInfoSchema(BaseSchema):
    id = fields.String()
    sessionId = fields.String(allow_none=True)
    evaluatorId = fields.String(allow_none=True)
    clientId = fields.String(allow_none=True)
    imageIndex = fields.Integer()
    signedUrl = fields.String(allow_none=True)
    hasAudio = fields.Boolean()
    audioSize = fields.Integer(allow_none=True)
    contentType = fields.String(allow_none=True)
    receivedAt = fields.Integer(metadata={"description": "epoch milliseconds"})
    updatedAt = fields.Integer(metadata={"description": "epoch milliseconds"})


class SegmentListSchema(BaseSchema):
    segments = fields.List(fields.Nested(SegmentInfoSchema))


class PresenceSchema(BaseSchema):
    """``POST /api/presence`` (MQTT clients' heartbeat)."""

    userId = fields.String(load_default=None, allow_none=True)
    package = fields.String(load_default=None, allow_none=True)


class OkSchema(BaseSchema):
    ok = fields.Boolean()


class ClientsQuerySchema(BaseSchema):
    package = fields.String(load_default=None)


class ClientInfoSchema(BaseSchema):
    id = fields.String()
    name = fields.String()
    online = fields.Boolean()
    inSession = fields.Boolean()


class ClientListSchema(BaseSchema):
    clients = fields.List(fields.Nested(ClientInfoSchema))


# Socket.IO events (ORIGINS A.2)

class RegisterEvent(BaseSchema):
    userId = SafeId(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    package = fields.String(load_default="socketio", validate=validate.OneOf(PACKAGES))


class StartSessionEvent(BaseSchema):
    clientId = SafeId(required=True)


class ImageUpdateEvent(BaseSchema):
    imageIndex = StrictInteger(required=True, validate=NonNegative)
    imageUrl = fields.String(required=True, validate=validate.Length(min=1, max=MAX_URL))
    signedUrl = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=MAX_URL))
    sentAt = StrictFloat(load_default=None, allow_none=True)


class ImageAckEvent(BaseSchema):
    sentAt = StrictFloat(required=True)
    receivedAt = StrictFloat(required=True)
