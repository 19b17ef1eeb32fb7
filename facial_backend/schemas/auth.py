"""Sign-in requests and answers of the live-session apps and the iPhone app."""

from marshmallow import fields, validate

from facial_backend.schemas.base import BaseSchema


class LiveLoginSchema(BaseSchema):
    """``POST /api/auth/login`` of the evaluator/client apps (ORIGINS A.1)."""

    userId = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))


class LiveUserSchema(BaseSchema):
    id = fields.String()
    name = fields.String()
    role = fields.String()


class LiveLoginResultSchema(BaseSchema):
    user = fields.Nested(LiveUserSchema)
    token = fields.String()


class TokenFormSchema(BaseSchema):
    """``POST /api/v1/auth/token`` (OAuth2 password form, ORIGINS D)."""

    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))


class TokenSchema(BaseSchema):
    access_token = fields.String()
    token_type = fields.String()
