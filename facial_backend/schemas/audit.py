"""An access audit event as the console and ``flask audit list --json`` show it."""

from marshmallow import Schema, fields

from facial_backend.schemas.base import UtcTime


class AuditEventSchema(Schema):
    id = fields.Integer(dump_only=True)
    occurred_at = UtcTime(dump_only=True)
    action = fields.String(dump_only=True)
    channel = fields.String(dump_only=True)
    actor_id = fields.String(dump_only=True, allow_none=True)
    actor_username = fields.String(dump_only=True, allow_none=True)
    actor_role = fields.String(dump_only=True, allow_none=True)
    remote_addr = fields.String(dump_only=True, allow_none=True)
    session_id = fields.String(dump_only=True, allow_none=True)
    target_kind = fields.String(dump_only=True, allow_none=True)
    target_id = fields.String(dump_only=True, allow_none=True)
    request_id = fields.String(dump_only=True, allow_none=True)
    details = fields.Raw(dump_only=True, allow_none=True)
