"""Every error is JSON with error, code and detail; never an HTML page, never a traceback."""

import pytest
from flask import Blueprint


def assert_json_error(response, status, code):
    assert response.status_code == status
    assert response.mimetype == "application/json", response.data[:200]
    body = response.json
    assert body["code"] == code
    assert isinstance(body["error"], str) and body["error"]
    assert "detail" in body
    assert body["request_id"] == response.headers["X-Request-ID"]
    return body


def test_unknown_route(client):
    body = assert_json_error(client.get("/no/such/route"), 404, "not_found")
    assert body["detail"] == "Not Found"


def test_method_not_allowed(client):
    response = client.delete("/health")
    assert_json_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


def test_body_too_large(client):
    response = client.post("/api/session/create", data=b"{" + b" " * (5 * 1024 * 1024) + b"}",
                           content_type="application/json")
    assert_json_error(response, 413, "payload_too_large")


@pytest.mark.parametrize("data", [b"{bad json", b"[1, 2]", b'"text"'])
def test_bad_json(client, data):
    response = client.post("/api/upload/metadata", data=data, content_type="application/json")
    assert_json_error(response, 400, "invalid_json")


def test_unexpected_error_is_a_json_500_without_internals(app):
    broken = Blueprint("broken", __name__)

    @broken.get("/broken")
    def fail():
        raise RuntimeError("secret internal detail /etc/passwd")

    app.register_blueprint(broken)
    response = app.test_client().get("/broken")
    body = assert_json_error(response, 500, "internal_error")
    assert "secret" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    assert body["request_id"]


def test_validation_error_names_every_field(client):
    response = client.post("/api/upload/metadata", json={"file_size": "x"})
    body = assert_json_error(response, 400, "validation_error")
    assert set(body["fields"]) == {"session_id", "video_id", "file_size"}
    assert {tuple(item["loc"]) for item in body["detail"]} == {
        ("body", "session_id"), ("body", "video_id"), ("body", "file_size")}
    assert "file_size" in body["error"]


@pytest.mark.parametrize("path, without", [
    ("/api/session/abc%00/videos/v", 401), ("/api/sessions/s%01", 404),
    ("/api/v1/recordings/r%7f", 401), ("/api/sessions/s/notes/n%0a", 404),
    ("/docs/index%00.css", 200),
])
def test_control_characters_in_url_ids_find_no_route(client, path, without):
    """PostgreSQL refuses NUL in text outright: an id with one must never reach a query. The
    same URL without the character reaches its route (``without`` is what that answers)."""
    printable = path.replace("%00", "").replace("%01", "").replace("%7f", "").replace("%0a", "")
    with client.get(printable) as reached:
        assert reached.status_code == without
    body = assert_json_error(client.get(path), 404, "not_found")
    assert body["detail"] == "Not Found"


def test_printable_ids_with_dots_and_spaces_still_route(client):
    assert_json_error(client.get("/api/session/a%20b.c"), 404, "session_not_found")


@pytest.mark.parametrize("url, body, status, field", [
    ("/api/session/create", {"participant_id": "a\u0000b"}, 400, "participant_id"),
    ("/api/sessions", {"name": "x\u0000"}, 422, "name"),  # the testbed's validation status
    ("/api/session/create", {"participant_id": "p", "unknown": {"k\u0000": 1}}, 201, None),
])
def test_nul_characters_in_body_fields_are_refused_by_name(client, url, body, status, field):
    """PostgreSQL refuses NUL in text: a field with one gets the route's validation error naming
    it, on every database. An unknown field is ignored, as ever."""
    response = client.post(url, json=body)
    if field is None:
        assert response.status_code == status
    else:
        body = assert_json_error(response, status, "validation_error")
        assert body["fields"] == {field: ["Must not contain the NUL character."]}
