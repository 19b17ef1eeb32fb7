"""Shared schema pieces: unknown fields ignored (as the origins did), strict numbers bounded to
64 bits, safe ids, free-form JSON fields bounded in size, depth and members."""

from __future__ import annotations

import re
from collections.abc import Mapping

import orjson
from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate, validates_schema

from facial_backend.timeutil import isoformat_z

_SAFE_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,127}")  # whole value: fullmatch
INTEGER_LIMIT = 2**63
"""Integers load only within -INTEGER_LIMIT..INTEGER_LIMIT-1: what a database column holds."""
FREE_JSON_MAX_BYTES = 64 * 1024
FREE_JSON_MAX_DEPTH = 32
FREE_JSON_MAX_MEMBERS = 2000
"""Object keys and array items, counted over the whole value."""


class BaseSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    @pre_load
    def refuse_nul_characters(self, data, **_kwargs):
        """PostgreSQL keeps no NUL character in text: a field holding one is refused here, by
        name, instead of failing in the database as a 500 (SQLite would have taken it)."""
        if isinstance(data, Mapping):
            keys = {field.data_key or name for name, field in self.load_fields.items()}
            bad = {key: ["Must not contain the NUL character."]
                   for key in keys if key in data and _holds_nul(data[key])}
            if bad:
                raise ValidationError(bad)
        return data

    @validates_schema
    def integers_fit_64_bits(self, data, **_kwargs):
        """A larger integer (an ``offset`` of 2**63, say) is refused by name instead of failing
        in the database driver as a 500."""
        bad = {field.data_key or name: [f"Must be between {-INTEGER_LIMIT} and {INTEGER_LIMIT - 1}."]
               for name, field in self.load_fields.items()
               if isinstance(field, fields.Integer) and isinstance(data.get(field.attribute or name), int)
               and not -INTEGER_LIMIT <= data[field.attribute or name] < INTEGER_LIMIT}
        if bad:
            raise ValidationError(bad)


def _holds_nul(value) -> bool:
    """Walked without recursion: any nesting the JSON parser took is safe here."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, Mapping):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def is_safe_id(value: str) -> bool:
    """Ids that may become part of a file or object name: letters, digits, ``._-``, no ``..``."""
    return bool(_SAFE_ID.fullmatch(value)) and ".." not in value


def check_safe_id(value: str) -> None:
    if not is_safe_id(value):
        raise ValidationError("Use 1-128 characters from A-Z a-z 0-9 . _ - (no '..', no '/').")


class SafeId(fields.String):
    def __init__(self, **kwargs):
        super().__init__(validate=check_safe_id, **kwargs)


class FullMatch(validate.Regexp):
    """``validate.Regexp`` over the whole value: with ``re.match``, a pattern ending in ``$``
    also passes the value followed by a newline. The pattern stays as documented."""

    def __call__(self, value):
        if self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


class StrictFloat(fields.Float):
    """A JSON number (not a string, not a boolean)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValidationError("Not a valid number.")
        return super()._deserialize(value, attr, data, **kwargs)


class StrictInteger(fields.Integer):
    """A JSON integer (not a string, not a boolean, not 1.5)."""

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError("Not a valid integer.")
        return super()._deserialize(value, attr, data, **kwargs)


class FormInteger(fields.Integer):
    """An integer in a form field, written as plain ASCII digits: ``int()`` alone would also take
    ``"1_0"``, ``" 2 "``, ``"+1"`` and other scripts' digits."""

    _DIGITS = re.compile(r"-?[0-9]{1,18}")

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not self._DIGITS.fullmatch(value):
            raise ValidationError("Not a valid integer: use the digits 0-9.")
        return super()._deserialize(value, attr, data, **kwargs)


class UUIDString(fields.UUID):
    """A UUID, loaded as its canonical text (ids are stored as strings)."""

    def _deserialize(self, value, attr, data, **kwargs):
        return str(super()._deserialize(value, attr, data, **kwargs))


NonNegative = validate.Range(min=0)
NonNegativeInt32 = validate.Range(min=0, max=2**31 - 1)
"""For a value kept in a 32-bit INTEGER column (PostgreSQL refuses a larger one)."""


class UtcTime(fields.DateTime):
    """Dumps a datetime as ISO 8601 UTC text ending in ``Z`` (naive values are UTC); text a
    reader already formatted that way is passed through."""

    def _serialize(self, value, attr, obj, **kwargs):
        return value if isinstance(value, str) else isoformat_z(value)


def free_json_problem(value, max_bytes: int = FREE_JSON_MAX_BYTES) -> str | None:
    """Why a free-form JSON value is too large to keep, or ``None``: nested deeper than
    FREE_JSON_MAX_DEPTH, more than FREE_JSON_MAX_MEMBERS members, or over ``max_bytes`` as compact
    JSON. Walked without recursion, stopping at the first bound passed."""
    members = 0
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, Mapping):
            children = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > FREE_JSON_MAX_DEPTH:
            return f"Must be nested at most {FREE_JSON_MAX_DEPTH} levels deep."
        members += len(children)
        if members > FREE_JSON_MAX_MEMBERS:
            return f"Must have at most {FREE_JSON_MAX_MEMBERS} keys and list items in all."
        pending.extend((child, depth + 1) for child in children)
    if len(orjson.dumps(value)) > max_bytes:
        return f"Must be at most {max_bytes} bytes as JSON."
    return None


class FreeJson(fields.Field):
    """A JSON value the client chooses, kept as sent within the free-form bounds
    (``free_json_problem``); a JSON object unless ``any_value``."""

    def __init__(self, *, any_value: bool = False, max_bytes: int = FREE_JSON_MAX_BYTES, **kwargs):
        if not any_value:
            kwargs["metadata"] = {"type": "object", **kwargs.get("metadata", {})}
        super().__init__(**kwargs)
        self.any_value = any_value
        self.max_bytes = max_bytes

    def _deserialize(self, value, attr, data, **kwargs):
        if not self.any_value and not isinstance(value, Mapping):
            raise ValidationError("Not a valid mapping type.")
        problem = free_json_problem(value, self.max_bytes)
        if problem:
            raise ValidationError(problem)
        return value


class FreeJsonDocument(BaseSchema):
    """A body whose undeclared fields are kept as sent: the whole body has the free-form bounds."""

    @pre_load
    def bound_the_document(self, data, **_kwargs):
        problem = free_json_problem(data) if isinstance(data, Mapping) else None
        if problem:
            raise ValidationError({"_schema": [problem]})
        return data
