"""The ``Upload-Metadata`` of a tus upload, once decoded: ids that may reach a storage key are
safe ids, a recording id is a UUID; keys this service does not use are ignored."""

from marshmallow import fields, validate

from facial_backend.schemas.base import BaseSchema, SafeId, UUIDString


class UploadMetadataSchema(BaseSchema):
    session_id = SafeId()
    video_id = SafeId()
    recording_id = UUIDString()
    filename = fields.String(validate=validate.Length(max=255))
    filetype = fields.String(validate=validate.Length(max=255))
