"""The app's OpenAPI document (built once per app) and the routes it leaves out."""

from __future__ import annotations

import copy
import re
from typing import Any

from flask import Flask

from facial_backend.openapi import build_spec

_RULE_ARG = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
_IMPLICIT_METHODS = {"HEAD", "OPTIONS"}
_NAME_BREAKS = re.compile(r"[^A-Za-z0-9]+")


def openapi_document(app: Flask) -> dict[str, Any]:
    document = app.extensions.get("openapi_document")
    if document is None:
        document = app.extensions["openapi_document"] = _build(app)
    return document


def _build(app: Flask) -> dict[str, Any]:
    # a copy: to_dict() hands out the Api's own path dicts
    document = copy.deepcopy(app.extensions["rest_api"].spec.to_dict())
    legacy = build_spec(app)
    for path, operations in legacy["paths"].items():
        for method, operation in operations.items():
            operation.setdefault("operationId", "_".join([method, *filter(None, _NAME_BREAKS.split(path))]))
        document["paths"].setdefault(path, {}).update(operations)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in legacy.get("components", {}).get("schemas", {}).items():
        schemas.setdefault(name, schema)
    return document


def undocumented_routes(app: Flask) -> list[str]:
    """``"METHOD /rule"`` of every HTTP route the document does not describe (WebSocket
    routes are not HTTP operations)."""
    paths = openapi_document(app)["paths"]
    missing = []
    for rule in (rule for rule in app.url_map.iter_rules() if not rule.websocket):
        operations = paths.get(_RULE_ARG.sub(r"{\1}", rule.rule), {})
        for method in sorted(rule.methods - _IMPLICIT_METHODS):
            if method.lower() not in operations:
                missing.append(f"{method} {rule.rule}")
    return missing
