"""Health, readiness, the OpenAPI document, Swagger UI and request ids."""

import json
import logging

import flask_smorest

from facial_backend import create_app
from facial_backend.extensions import db
from facial_backend.logs import JsonFormatter
from facial_backend.rest.document import undocumented_routes


def test_health_satisfies_every_origin(client):
    body = client.get("/health").json
    assert body["status"] == "healthy"
    assert body["service"] and body["version"]
    assert body["database"] in ("sqlite", "postgresql")


def test_root_document(client):
    body = client.get("/").json
    assert body["status"] == "running" and body["docs"] == "/docs"


def test_livez_and_readyz(client):
    assert client.get("/livez").json == {"status": "ok"}
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"] == {"database": "ok", "storage": "ok", "disk": "ok"}
    assert response.json["auth"] == "open"


def test_readyz_reports_a_dead_redis(app_settings):
    import socket
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app({**app_settings, "REDIS_URL": f"redis://127.0.0.1:{port}/0"})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["redis"].startswith("error:")
    assert response.json["checks"]["database"] == "ok"
    with app.app_context():
        db.engine.dispose()


def test_every_route_is_documented(app):
    assert undocumented_routes(app) == []


def test_operations_are_documented_when_the_document_is_first_read(app_settings, monkeypatch):
    documented = []
    register = flask_smorest.Blueprint.register_views_in_doc
    monkeypatch.setattr(flask_smorest.Blueprint, "register_views_in_doc",
                        lambda self, *args, **kwargs: documented.append(self.name) or register(self, *args, **kwargs))
    app = create_app({**app_settings, "TESTING": True, "REDIS_URL": None})
    assert documented == []
    first = app.test_client().get("/openapi.json").json
    registered = [name for name, blueprint in app.blueprints.items()
                  if isinstance(blueprint, flask_smorest.Blueprint)]
    assert sorted(documented) == sorted(registered) and len(registered) > 10
    assert app.test_client().get("/openapi.json").json == first
    assert sorted(documented) == sorted(registered)


def test_openapi_document(client):
    spec = client.get("/openapi.json").json
    assert spec["openapi"].startswith("3.")
    chunk = spec["paths"]["/api/upload/chunk"]["post"]
    form = chunk["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["properties"]["chunk"]["format"] == "binary"
    assert {"session_id", "video_id", "chunk_index", "total_chunks", "chunk"} <= set(form["required"])
    download = spec["paths"]["/api/session/{session_id}/videos/{video_id}"]["get"]
    assert download["security"] == [{"bearer": []}]
    assert "bearer" in spec["components"]["securitySchemes"]


def test_swagger_ui_is_served_offline(client):
    page = client.get("/docs")
    assert page.status_code == 200 and b"swagger-ui-bundle.js" in page.data
    with client.get("/docs/swagger-ui-bundle.js") as asset:
        assert asset.status_code == 200 and len(asset.data) > 100_000


def test_request_id_is_returned(client):
    given = client.get("/livez", headers={"X-Request-ID": "abc-123"})
    assert given.headers["X-Request-ID"] == "abc-123"
    made = client.get("/livez", headers={"X-Request-ID": "bad id!"})
    assert made.headers["X-Request-ID"] != "bad id!" and len(made.headers["X-Request-ID"]) == 32


def test_log_lines_are_json_with_request_id(app):
    formatter = JsonFormatter()
    with app.test_request_context("/x"):
        from flask import g
        g.request_id = "rid-1"
        record = logging.LogRecord("facial_backend.access", logging.INFO, __file__, 1, "request",
                                   None, None)
        record.status = 200
        line = json.loads(formatter.format(record))
    assert line["request_id"] == "rid-1" and line["status"] == 200 and line["level"] == "info"


def test_database_health_as_the_recordings_origin_had_it(client, app_settings):
    answered = client.get("/health/db")
    assert answered.status_code == 200 and answered.json["status"] == "healthy"
    assert answered.json["database"] in ("sqlite", "postgresql")
    import socket
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app({**app_settings, "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{port}/none"})
    down = app.test_client().get("/health/db")
    assert down.status_code == 503 and down.json["code"] == "database_unavailable"
    assert down.json["error"] and down.json["request_id"]
