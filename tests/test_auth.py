"""Sign-in, tokens, login_required, AUTH_REQUIRED and the users CLI."""

from datetime import timedelta

import jwt
import pytest

from facial_backend import create_app
from facial_backend.extensions import db
from tests.conftest import SECRET


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["users", "seed-demo"])
    assert result.exit_code == 0, result.output
    return result


def test_seed_demo_is_idempotent(demo, runner):
    assert "evaluator1" in demo.output
    assert "already exist" in runner.invoke(args=["users", "seed-demo"]).output


def test_live_login(client, demo):
    response = client.post("/api/auth/login", json={"userId": "evaluator1", "password": "eval1"})
    assert response.status_code == 200
    assert response.json["user"] == {"id": "evaluator1", "name": "Evaluator One", "role": "evaluator"}
    claims = jwt.decode(response.json["token"], SECRET, algorithms=["HS256"])
    assert claims["sub"] == "evaluator1" and claims["role"] == "evaluator"


def test_live_login_refusals(client, demo):
    wrong = client.post("/api/auth/login", json={"userId": "evaluator1", "password": "nope"})
    assert wrong.status_code == 401 and wrong.json["error"] == "Invalid credentials"
    unknown = client.post("/api/auth/login", json={"userId": "ghost", "password": "x"})
    assert unknown.status_code == 401 and unknown.json["error"] == "Invalid credentials"
    missing = client.post("/api/auth/login", json={"userId": "evaluator1"})
    assert missing.status_code == 400 and "password" in missing.json["fields"]


def test_oauth2_password_token(client, make_user):
    make_user("vet", "recorder", password="pw-1234")
    response = client.post("/api/v1/auth/token", data={"username": "vet", "password": "pw-1234"})
    assert response.status_code == 200 and response.json["token_type"] == "bearer"
    wrong = client.post("/api/v1/auth/token", data={"username": "vet", "password": "bad"})
    assert wrong.status_code == 401
    assert wrong.json["detail"] == "Incorrect username or password"
    assert wrong.headers["WWW-Authenticate"] == "Bearer"
    assert client.post("/api/v1/auth/token", data={"username": "vet"}).status_code == 422


def operator_get(client, token):
    return client.get("/api/session/x/videos/y", headers={"Authorization": token})


def test_tokens_are_verified(client, app, make_user):
    user_id, token = make_user("op", "operator")
    assert operator_get(client, f"Bearer {token}").status_code == 404  # passes auth
    assert operator_get(client, "Bearer not-a-jwt").json["detail"] == "Could not validate credentials"
    assert operator_get(client, f"Basic {token}").status_code == 401
    forged = jwt.encode({"sub": "op", "exp": 4102444800}, "another-secret-of-32-bytes-or-more",
                        algorithm="HS256")
    assert operator_get(client, f"Bearer {forged}").status_code == 401
    expired = jwt.encode({"sub": "op", "exp": 1}, SECRET, algorithm="HS256")
    response = operator_get(client, f"Bearer {expired}")
    assert response.status_code == 401 and response.headers["WWW-Authenticate"] == "Bearer"
    with app.app_context():
        from facial_backend.models.users import User
        db.session.get(User, user_id).is_active = False
        db.session.commit()
    assert operator_get(client, f"Bearer {token}").json["detail"] == "Inactive user"


def test_open_routes_verify_a_sent_token(client):
    response = client.post("/api/session/create", json={}, headers={"Authorization": "Bearer junk"})
    assert response.status_code == 401


def test_auth_required_closes_open_routes(app_settings, make_user):
    app = create_app({**app_settings, "AUTH_REQUIRED": "true", "REDIS_URL": None})
    client = app.test_client()
    try:
        assert client.post("/api/session/create", json={}).status_code == 401
        with app.app_context():
            from facial_backend.auth import issue_token
            from facial_backend.services.shared.users import create_user
            user = create_user("rec", "secret-pass", "recorder")
            with app.test_request_context():
                token = issue_token(user, lifetime_seconds=timedelta(minutes=5).total_seconds())
        response = client.post("/api/session/create", json={},
                               headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 201
        result = app.test_cli_runner().invoke(args=["users", "seed-demo"])
        assert result.exit_code != 0 and "AUTH_REQUIRED" in result.output
    finally:
        with app.app_context():
            db.engine.dispose()


def test_users_create_cli(runner, client):
    result = runner.invoke(args=["users", "create", "ana", "--role", "operator"],
                           input="pw-secret\npw-secret\n")
    assert result.exit_code == 0 and "created ana (operator)" in result.output
    again = runner.invoke(args=["users", "create", "ana", "--role", "operator"],
                          input="pw-secret\npw-secret\n")
    assert again.exit_code != 0 and "already exists" in again.output
    response = client.post("/api/v1/auth/token", data={"username": "ana", "password": "pw-secret"})
    assert response.status_code == 200
