"""The one error body every route answers with (built by ``facial_backend.errors``)."""

from marshmallow import INCLUDE, Schema, fields


class ErrorSchema(Schema):
    """Some errors add members of their own (e.g. ``current_status`` of a refused transition)."""

    class Meta:
        unknown = INCLUDE

    error = fields.String(required=True, metadata={"description": "What went wrong, for people."})
    code = fields.String(required=True,
                         metadata={"description": "A stable machine word, e.g. validation_error."})
    detail = fields.Raw(required=True, metadata={
        "description": "The same sentence, or for validation errors a list of {loc, msg, type}."})
    fields_ = fields.Dict(data_key="fields", keys=fields.String(),
                          values=fields.List(fields.String()),
                          metadata={"description": "Each invalid field and its reasons."})
    request_id = fields.String(metadata={"description": "The X-Request-ID of the request."})
