"""Telemetry requests and responses of the testbed API.

A batch is checked by a plain function rather than a nested marshmallow schema: it holds up
to ``MAX_BATCH`` points and is the hot path of ingestion. Every bad item is reported.
"""

from __future__ import annotations

import math
from typing import Any

from marshmallow import ValidationError, fields, validate

from facial_backend.schemas.base import BaseSchema, UtcTime
from facial_backend.schemas.testbed import IsoDateTime, parse_datetime

MAX_BATCH = 10_000
MAX_CHANNEL = 200
MAX_UNIT = 50


def check_point(item: Any) -> tuple[dict[str, Any] | None, dict[str, list[str]]]:
    """``(point, {})`` for a valid item, ``(None, {field: [reasons]})`` otherwise."""
    if not isinstance(item, dict):
        return None, {"_schema": ["Must be an object."]}
    errors: dict[str, list[str]] = {}
    timestamp = item.get("timestamp")
    if timestamp is None:
        errors["timestamp"] = ["Missing data for required field."]
    else:
        try:
            timestamp = parse_datetime(timestamp)
        except ValidationError as exc:
            errors["timestamp"] = list(exc.messages)
    channel = item.get("channel")
    if not isinstance(channel, str) or not 0 < len(channel) <= MAX_CHANNEL:
        errors["channel"] = ["Missing data for required field." if channel is None
                             else f"Must be a string of 1 to {MAX_CHANNEL} characters."]
    value = item.get("value")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        errors["value"] = ["Missing data for required field." if value is None
                           else "Not a valid number."]
    unit = item.get("unit")
    if unit is not None and (not isinstance(unit, str) or len(unit) > MAX_UNIT):
        errors["unit"] = [f"Must be a string of at most {MAX_UNIT} characters."]
    if errors:
        return None, errors
    return {"timestamp": timestamp, "channel": channel, "value": float(value), "unit": unit}, {}


class TelemetryPoints(fields.Field):
    """A list of telemetry points; errors are keyed by the index of each bad item."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, list):
            raise ValidationError("Not a valid list.")
        if len(value) > MAX_BATCH:
            raise ValidationError(f"At most {MAX_BATCH} points per batch.")
        points, errors = [], {}
        for index, item in enumerate(value):
            point, problems = check_point(item)
            if problems:
                errors[index] = problems
            else:
                points.append(point)
        if errors:
            raise ValidationError(errors)
        return points


class TestbedTelemetryCreateSchema(BaseSchema):
    timestamp = IsoDateTime(required=True)
    channel = fields.String(required=True, validate=validate.Length(min=1, max=MAX_CHANNEL))
    value = fields.Float(required=True, allow_nan=False)
    unit = fields.String(allow_none=True, validate=validate.Length(max=MAX_UNIT))

    def load(self, data, **kwargs):  # the same rules as a batch item, one function
        point, problems = check_point(data)
        if problems:
            raise ValidationError(problems)
        return point


class TestbedTelemetryBatchSchema(BaseSchema):
    data = TelemetryPoints(required=True, metadata={"description": f"Up to {MAX_BATCH} points"})


class TestbedTelemetryQuerySchema(BaseSchema):
    channel = fields.String(validate=validate.Length(min=1, max=MAX_CHANNEL))
    from_ = IsoDateTime(data_key="from")
    to = IsoDateTime()
    limit = fields.Integer(load_default=1000, validate=validate.Range(min=1, max=10_000))


class TestbedLatestQuerySchema(BaseSchema):
    channel = fields.String(required=True, validate=validate.Length(min=1, max=MAX_CHANNEL))


class TestbedTelemetrySchema(BaseSchema):
    id = fields.String(dump_only=True, required=True)
    session_id = fields.String(dump_only=True, required=True)
    timestamp = UtcTime(dump_only=True, required=True)
    channel = fields.String(dump_only=True, required=True)
    value = fields.Float(dump_only=True, required=True)
    unit = fields.String(dump_only=True, required=True, allow_none=True)


class TestbedCreatedSchema(BaseSchema):
    created = fields.Integer(dump_only=True, required=True)


class TestbedChannelsSchema(BaseSchema):
    channels = fields.List(fields.String(), dump_only=True, required=True)
