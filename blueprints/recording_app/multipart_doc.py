"""The OpenAPI request body of a multipart upload: the form schema's fields and the file parts,
in one schema (flask-smorest documents form fields and files only apart).

Form fields travel as text, so an integer field is documented as a string of digits with its
range in words: what a client sends is then valid against the document.
"""

from __future__ import annotations

from typing import Any

from apispec.ext.marshmallow import OpenAPIConverter
from marshmallow import Schema

_CONVERTER = OpenAPIConverter(openapi_version="3.0.3", schema_name_resolver=lambda schema: None, spec=None)
DIGITS = "^[0-9]{1,18}$"


def _as_digits(prop: dict[str, Any]) -> None:
    low, high = prop.pop("minimum", None), prop.pop("maximum", None)
    bounds = f"{low if low is not None else '…'}..{high if high is not None else '…'}"
    prop.update(type="string", pattern=DIGITS,
                description=f"{prop.get('description', '')} (an integer in digits, {bounds})".strip())


def multipart_request(form: type[Schema], files: dict[str, str], example: dict[str, Any]) -> dict[str, Any]:
    """``requestBody`` for ``@bp.doc``: ``files`` maps each required file part to its description."""
    schema = _CONVERTER.schema2jsonschema(form())
    for prop in schema["properties"].values():
        if prop.get("type") == "integer":
            _as_digits(prop)
    for name, description in files.items():
        schema["properties"][name] = {"type": "string", "format": "binary", "description": description}
    schema["required"] = [*schema.get("required", []), *files]
    return {"required": True, "content": {"multipart/form-data": {"schema": schema, "example": example}}}
