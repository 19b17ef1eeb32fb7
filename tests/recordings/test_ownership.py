"""Bearer tokens on every recordings route; a user only reaches their own recordings."""

from __future__ import annotations

import jwt
import pytest

from facial_backend.extensions import db
from facial_backend.models.users import User
from tests.conftest import SECRET
from tests.recordings.conftest import bearer, initiate, uploaded_recording

ROUTES = [
    ("post", "/api/v1/recordings/upload/initiate"),
    ("post", "/api/v1/recordings/upload/complete/{id}"),
    ("get", "/api/v1/recordings/"),
    ("get", "/api/v1/recordings"),
    ("get", "/api/v1/recordings/{id}"),
    ("get", "/api/v1/recordings/{id}/download-url"),
    ("delete", "/api/v1/recordings/{id}"),
]


def call(client, method, path, recording_id, token=None, headers=None):
    headers = headers if headers is not None else (bearer(token) if token else {})
    kwargs = {"json": {}} if method == "post" else {}
    return getattr(client, method)(path.format(id=recording_id), headers=headers, **kwargs)


@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Basic YWxpY2U6eA=="},
                                     {"Authorization": "Bearer not.a.jwt"}])
def test_every_route_needs_a_valid_bearer_token(client, alice, method, path, headers):
    _, token = alice
    recording_id = initiate(client, token).json["recording_id"]
    response = call(client, method, path, recording_id, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json["detail"]


def test_expired_tokens_and_inactive_users_are_refused(client, app, alice):
    user_id, token = alice
    expired = jwt.encode({"sub": "alice", "exp": 1_000_000}, SECRET, algorithm="HS256")
    response = client.get("/api/v1/recordings/", headers=bearer(expired))
    assert (response.status_code, response.json["detail"]) == (401, "Could not validate credentials")
    with app.app_context():
        db.session.get(User, user_id).is_active = False
        db.session.commit()
    response = client.get("/api/v1/recordings/", headers=bearer(token))
    assert (response.status_code, response.json["detail"]) == (401, "Inactive user")


def test_another_users_recording_is_not_found_for_every_route(client, app, alice, bob):
    _, alice_token = alice
    _, bob_token = bob
    uploaded = uploaded_recording(client, alice_token)
    pending = initiate(client, alice_token).json["recording_id"]
    for recording_id in (uploaded, pending):
        for method, path in ROUTES:
            if "{id}" not in path:
                continue
            response = call(client, method, path, recording_id, token=bob_token)
            assert response.status_code == 404, (method, path)
            assert response.json["detail"] == "Recording not found or access denied"
    assert client.get("/api/v1/recordings/", headers=bearer(bob_token)).json == []
    # Nothing of Bob's attempts changed Alice's recordings.
    mine = client.get("/api/v1/recordings/", headers=bearer(alice_token)).json
    assert {r["id"]: r["status"] for r in mine} == {uploaded: "uploaded", pending: "uploading"}
