"""Builds the OpenAPI document from the app's routes and what ``facial_backend.api`` recorded."""

from __future__ import annotations

import re
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from marshmallow import Schema

from facial_backend import __version__
from facial_backend.api import APIDOC_ATTR

_RULE_ARG = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
_SKIP_METHODS = {"HEAD", "OPTIONS"}


def undocumented_routes(app: Flask) -> list[str]:
    """Rules without a ``@doc`` summary (the test suite keeps this list empty)."""
    missing = []
    for rule in app.url_map.iter_rules():
        meta = getattr(app.view_functions[rule.endpoint], APIDOC_ATTR, None)
        if rule.endpoint != "static" and not (meta and meta.get("summary")):
            missing.append(f"{sorted(rule.methods - _SKIP_METHODS)} {rule.rule}")
    return missing


def build_spec(app: Flask) -> dict[str, Any]:
    spec = APISpec(title="Recording-session backend", version=__version__, openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin()],
                   info={"description": "Live sessions, chunked video upload, presigned recordings, "
                                        "testbed notes/telemetry/STT and live events."})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer",
                                               "bearerFormat": "JWT"})
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        meta = getattr(app.view_functions[rule.endpoint], APIDOC_ATTR, None)
        if not meta or not meta.get("summary"):
            continue
        path = _RULE_ARG.sub(r"{\1}", rule.rule)
        for method in sorted(rule.methods - _SKIP_METHODS):
            paths.setdefault(path, {})[method.lower()] = _operation(rule, meta)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def _operation(rule, meta: dict[str, Any]) -> dict[str, Any]:
    operation: dict[str, Any] = {"summary": meta["summary"], "tags": meta.get("tags") or [],
                                 "parameters": [], "responses": {}}
    if meta.get("description"):
        operation["description"] = meta["description"]
    for name in rule.arguments:
        operation["parameters"].append({"in": "path", "name": name, "required": True,
                                        "schema": {"type": "string"}})
    if meta.get("query") is not None:
        operation["parameters"].append({"in": "query", "schema": meta["query"]})
    if meta.get("body") is not None:
        operation["requestBody"] = {"required": True,
                                    "content": {"application/json": {"schema": meta["body"]}}}
    if meta.get("form") is not None:
        operation["requestBody"] = _form_body(meta["form"], meta.get("files") or {})
    for status, response in meta["responses"].items():
        operation["responses"][str(status)] = _response(response)
    if not operation["responses"]:
        operation["responses"]["200"] = {"description": "OK"}
    auth = meta.get("auth")
    if auth == "required":
        operation["security"] = [{"bearer": []}]
    elif auth == "optional":
        operation["security"] = [{"bearer": []}, {}]
    return operation


def _form_body(schema: Schema, files: dict[str, str]) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for name, field in schema.fields.items():
        properties[field.data_key or name] = {"type": "string",
                                              "description": (field.metadata or {}).get("description", "")}
    for name, description in files.items():
        properties[name] = {"type": "string", "format": "binary", "description": description}
    required = [f.data_key or n for n, f in schema.fields.items() if f.required] + list(files)
    return {"required": True, "content": {"multipart/form-data": {
        "schema": {"type": "object", "properties": properties, "required": required}}}}


def _response(response: Any) -> dict[str, Any]:
    if isinstance(response, str):
        return {"description": response}
    if isinstance(response, (Schema, type)):
        return {"description": "OK", "content": {"application/json": {"schema": response}}}
    return response
