"""FRONTEND_DIR: a folder of static files served at / beside the API, as a browser loads it."""

from __future__ import annotations

import pytest

from facial_backend import create_app
from facial_backend.config import ConfigError
from facial_backend.extensions import db


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "frontend"
    (root / "js").mkdir(parents=True)
    (root / "css").mkdir()
    (root / "index.html").write_text("<!doctype html><title>Recorder</title>")
    (root / "js" / "uploader.js").write_text("export const CHUNK_SIZE = 1048576;")
    (root / "css" / "style.css").write_text("body { margin: 0 }")
    (root / ".env").write_text("SECRET=1")
    (tmp_path / "secret.txt").write_text("outside the folder")
    return root


@pytest.fixture
def frontend_client(app_settings, site):
    app = create_app({**app_settings, "TESTING": True, "REDIS_URL": None, "FRONTEND_DIR": str(site),
                      "FRONTEND_MAX_AGE": "10m"})
    yield app.test_client()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def fetch(client, path: str, **kwargs):
    """GET ``path``; the response, read and closed (files are streamed)."""
    with client.get(path, **kwargs) as response:
        response.get_data()
    return response


def test_index_and_assets_with_types_and_caching(frontend_client):
    index = fetch(frontend_client, "/")
    assert index.status_code == 200 and b"<title>Recorder</title>" in index.data
    assert index.mimetype == "text/html" and "no-cache" in index.headers["Cache-Control"]
    assert index.headers["X-Content-Type-Options"] == "nosniff"
    script = fetch(frontend_client, "/js/uploader.js")
    assert script.status_code == 200 and script.mimetype == "text/javascript"
    assert "max-age=600" in script.headers["Cache-Control"]
    style = fetch(frontend_client, "/css/style.css")
    assert style.mimetype == "text/css" and style.data == b"body { margin: 0 }"
    again = fetch(frontend_client, "/js/uploader.js", headers={"If-None-Match": script.headers["ETag"]})
    assert again.status_code == 304
    assert fetch(frontend_client, "/index.html").data == index.data


def test_the_api_is_unchanged_beside_it(frontend_client):
    assert frontend_client.get("/health").json["status"] == "healthy"
    created = frontend_client.post("/api/session/create", json={})
    assert created.status_code == 201 and created.is_json
    missing = frontend_client.get("/api/session/nope")
    assert missing.status_code == 404 and missing.json["error"] == "Session not found"


@pytest.mark.parametrize("path", [
    "/../secret.txt", "/%2e%2e/secret.txt", "/js/../../secret.txt", "/js/%2e%2e/%2e%2e/secret.txt",
    "/..%2fsecret.txt", "/.env", "/js/.hidden", "/nope.js", "/js/", "/%00", "/js/..%5c..%5csecret.txt",
    "//etc/passwd", "/C:/Windows/win.ini",
])
def test_path_tricks_get_a_json_404(frontend_client, path):
    response = fetch(frontend_client, path)
    assert response.status_code == 404, path
    assert response.is_json and b"outside the folder" not in response.data and b"SECRET" not in response.data


def test_without_the_setting_the_root_stays_json(client):
    body = client.get("/").json
    assert body["status"] == "running" and body["docs"] == "/docs"
    assert fetch(client, "/js/uploader.js").status_code == 404


def test_a_missing_folder_stops_start_up(app_settings, tmp_path):
    with pytest.raises(ConfigError, match="FRONTEND_DIR"):
        create_app({**app_settings, "FRONTEND_DIR": str(tmp_path / "nowhere")})
