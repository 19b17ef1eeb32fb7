"""The OpenAPI document at /openapi.json and Swagger UI at /docs (served offline)."""

from flask import current_app, send_from_directory
from swagger_ui_bundle import swagger_ui_path

from facial_backend.rest import Blueprint
from facial_backend.rest.document import openapi_document

bp = Blueprint("docs", __name__, description="The API's own documentation")

# Swagger UI sends a token only for the schemes an operation lists; a token obtained with the
# OAuth2 password flow is also sent as the bearer token of operations that list only "bearer".
_INDEX = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Recording-session backend API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script>
function oauth2TokenAsBearer(request) {
  const auth = window.ui ? window.ui.authSelectors.authorized().toJS() : {};
  const token = auth.oauth2 && auth.oauth2.token && auth.oauth2.token.access_token;
  if (token && !request.headers.Authorization) {
    request.headers.Authorization = "Bearer " + token;
  }
  return request;
}
window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui",
                             requestInterceptor: oauth2TokenAsBearer});
</script>
</body></html>
"""
_HTML = {"content": {"text/html": {"schema": {"type": "string"}}}}


@bp.get("/openapi.json")
@bp.response(200, description="The OpenAPI 3 document")
def openapi_json():
    """The OpenAPI document of every route"""
    return openapi_document(current_app)


@bp.get("/docs")
@bp.doc(responses={"200": {"description": "Swagger UI's HTML page", **_HTML}})
def swagger_ui():
    """Swagger UI"""
    return _INDEX, 200, {"Content-Type": "text/html; charset=utf-8"}


@bp.get("/docs/<path:asset>")
@bp.doc(responses={"200": {"description": "A static file of Swagger UI"}})
@bp.errors((404, "No such asset"))
def swagger_asset(asset: str):
    """Swagger UI assets"""
    return send_from_directory(swagger_ui_path, asset, max_age=86400)
