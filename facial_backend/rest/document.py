"""The app's OpenAPI document (built once per app) and the routes it leaves out."""

from __future__ import annotations

import copy
import re
from typing import Any

from flask import Flask

_RULE_ARG = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
_IMPLICIT_METHODS = {"HEAD", "OPTIONS"}


def openapi_document(app: Flask) -> dict[str, Any]:
    document = app.extensions.get("openapi_document")
    if document is None:
        document = app.extensions["openapi_document"] = _build(app)
    return document


def _build(app: Flask) -> dict[str, Any]:
    # a copy: to_dict() hands out the Api's own path dicts
    return copy.deepcopy(app.extensions["rest_api"].spec.to_dict())


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
