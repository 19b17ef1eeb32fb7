"""The OpenAPI document at /openapi.json and Swagger UI at /docs (served offline)."""

from flask import Blueprint, current_app, jsonify, send_from_directory
from swagger_ui_bundle import swagger_ui_path

from facial_backend.api import doc
from facial_backend.openapi import build_spec

bp = Blueprint("docs", __name__)

_INDEX = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Recording-session backend API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui"});</script>
</body></html>
"""


@bp.get("/openapi.json")
@doc("The OpenAPI document of every route", tags=["meta"])
def openapi_json():
    spec = current_app.extensions.get("openapi_spec")
    if spec is None:
        spec = current_app.extensions["openapi_spec"] = build_spec(current_app)
    return jsonify(spec)


@bp.get("/docs")
@doc("Swagger UI", tags=["meta"], responses={200: "An HTML page"})
def swagger_ui():
    return _INDEX, 200, {"Content-Type": "text/html; charset=utf-8"}


@bp.get("/docs/<path:asset>")
@doc("Swagger UI assets", tags=["meta"], responses={200: "A static file", 404: "No such asset"})
def swagger_asset(asset: str):
    return send_from_directory(swagger_ui_path, asset, max_age=86400)
