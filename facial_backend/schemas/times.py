"""Times in response bodies: UTC text with a ``Z`` (``2025-01-26T10:32:15.123456Z``)."""

from marshmallow import fields

from facial_backend.timeutil import isoformat_z


class UTCTimestamp(fields.DateTime):
    """Dumps an aware (or naive, taken as UTC) datetime as ISO 8601 UTC text ending in ``Z``."""

    def _serialize(self, value, attr, obj, **kwargs):
        return isoformat_z(value)
