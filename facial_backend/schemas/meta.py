"""Answers of the service's own routes: root document, health and readiness."""

from marshmallow import Schema, fields


class RootSchema(Schema):
    status = fields.String(required=True, metadata={"example": "running"})
    service = fields.String(required=True)
    version = fields.String(required=True)
    docs = fields.String(required=True, metadata={"description": "Where Swagger UI is."})


class HealthSchema(Schema):
    status = fields.String(required=True, metadata={"example": "healthy"})
    service = fields.String(required=True)
    version = fields.String(required=True)
    database = fields.String(required=True, metadata={"description": "sqlite or postgresql"})
    message = fields.String(required=True)


class LivenessSchema(Schema):
    status = fields.String(required=True, metadata={"example": "ok"})


class ReadinessSchema(Schema):
    status = fields.String(required=True, metadata={"description": "ready or unavailable"})
    checks = fields.Dict(keys=fields.String(), values=fields.String(), required=True, metadata={
        "description": 'Each dependency: "ok" or "error: <reason>".'})
    auth = fields.String(required=True, metadata={
        "description": "required, or open (AUTH_REQUIRED=false: origin clients' compatibility mode)"})


class DatabaseHealthSchema(Schema):
    status = fields.String(required=True, metadata={"example": "healthy"})
    database = fields.String(required=True, metadata={"description": "sqlite or postgresql"})
    message = fields.String(required=True)
