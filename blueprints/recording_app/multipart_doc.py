"""The OpenAPI request body of a multipart upload: the form schema's typed fields and the file
parts, in one schema (flask-smorest documents form fields and files only apart)."""

from __future__ import annotations

from typing import Any

from apispec.ext.marshmallow import OpenAPIConverter
from marshmallow import Schema

_CONVERTER = OpenAPIConverter(openapi_version="3.0.3", schema_name_resolver=lambda schema: None, spec=None)


def multipart_request(form: type[Schema], files: dict[str, str]) -> dict[str, Any]:
    """``requestBody`` for ``@bp.doc``: ``files`` maps each required file part to its description."""
    schema = _CONVERTER.schema2jsonschema(form())
    for name, description in files.items():
        schema["properties"][name] = {"type": "string", "format": "binary", "description": description}
    schema["required"] = [*schema.get("required", []), *files]
    return {"required": True, "content": {"multipart/form-data": {"schema": schema}}}
