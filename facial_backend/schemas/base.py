"""Shared schema pieces: unknown fields ignored (as the origins did), strict numbers, safe ids."""

from __future__ import annotations

import re
from collections.abc import Mapping

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate

from facial_backend.timeutil import isoformat_z

_SAFE_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")


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


def _holds_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


def is_safe_id(value: str) -> bool:
    """Ids that may become part of a file or object name: letters, digits, ``._-``, no ``..``."""
    return bool(_SAFE_ID.match(value)) and ".." not in value


def check_safe_id(value: str) -> None:
    if not is_safe_id(value):
        raise ValidationError("Use 1-128 characters from A-Z a-z 0-9 . _ - (no '..', no '/').")


class SafeId(fields.String):
    def __init__(self, **kwargs):
        super().__init__(validate=check_safe_id, **kwargs)


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


class UtcTime(fields.DateTime):
    """Dumps a datetime as ISO 8601 UTC text ending in ``Z`` (naive values are UTC); text a
    reader already formatted that way is passed through."""

    def _serialize(self, value, attr, obj, **kwargs):
        return value if isinstance(value, str) else isoformat_z(value)
