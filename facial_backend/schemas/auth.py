"""Sign-in requests and answers of the live-session apps and the iPhone app."""

from marshmallow import fields, validate

from facial_backend.schemas.base import BaseSchema


class LiveLoginSchema(BaseSchema):
    """``POST /api/auth/login`` of the evaluator/client apps."""

    userId = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))


class LiveUserSchema(BaseSchema):
    id = fields.String(attribute="username", dump_only=True, required=True)
    name = fields.String(dump_only=True, required=True)
    role = fields.String(dump_only=True, required=True)


class LiveLoginResultSchema(BaseSchema):
    user = fields.Nested(LiveUserSchema, dump_only=True, required=True)
    token = fields.String(dump_only=True, required=True)


class TokenFormSchema(BaseSchema):
    """``POST /api/v1/auth/token``: the OAuth2 password grant form."""

    grant_type = fields.String(metadata={
        "description": 'OAuth2 grant type; "password" when sent.'})
    username = fields.String(required=True, validate=validate.Length(min=1, max=64),
                             metadata={"description": "The account's username."})
    password = fields.String(required=True, validate=validate.Length(min=1, max=256),
                             metadata={"description": "The account's password."})


class TokenSchema(BaseSchema):
    access_token = fields.String(dump_only=True, required=True,
                                 metadata={"description": "A JWT for Authorization: Bearer."})
    token_type = fields.String(dump_only=True, required=True, metadata={"example": "bearer"})
