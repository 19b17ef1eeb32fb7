"""The query of a signed download link of the local storage backend (checked by its signature,
so every part is plain text here)."""

from marshmallow import Schema, fields


class SignedDownloadQuerySchema(Schema):
    expires = fields.String(metadata={"description": "Expiry, Unix seconds (signed)."})
    signature = fields.String(metadata={"description": "The link's signature."})
    filename = fields.String(metadata={"description": "Download as an attachment of this name (signed)."})
    content_type = fields.String(metadata={"description": "Content-Type to answer with (signed)."})
