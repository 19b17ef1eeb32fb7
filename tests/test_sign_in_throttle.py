"""Repeated failed sign-ins are refused with 429 and Retry-After, per account and per address,
on the live login and the OAuth2 token route; a success clears the count; Redis shares it."""

from __future__ import annotations

import pytest

from facial_backend import create_app
from tests import isolation

LIMIT = 3


@pytest.fixture
def throttled_app(app_settings):
    app = create_app({**app_settings, "TESTING": True, "REDIS_URL": None,
                      "SIGN_IN_MAX_FAILURES": str(LIMIT), "SIGN_IN_WINDOW": "10m"})
    yield app
    from facial_backend.extensions import db
    from tests.conftest import _empty_tables
    with app.app_context():
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


def _user(app, username="vera", password="right-pass", role="evaluator"):
    from facial_backend.services.shared.users import create_user
    with app.app_context():
        create_user(username, password, role)


def _live_login(client, user, password, address="10.0.0.1"):
    return client.post("/api/auth/login", json={"userId": user, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def _token(client, user, password, address="10.0.0.1"):
    return client.post("/api/v1/auth/token", data={"username": user, "password": password},
                       environ_base={"REMOTE_ADDR": address})


@pytest.mark.parametrize("sign_in", [_live_login, _token])
def test_failures_per_account_lead_to_429_with_retry_after(throttled_app, sign_in):
    _user(throttled_app)
    client = throttled_app.test_client()
    for attempt in range(LIMIT):
        assert sign_in(client, "vera", "wrong", address=f"10.0.0.{attempt + 1}").status_code == 401
    refused = sign_in(client, "vera", "right-pass", address="10.0.9.9")
    assert refused.status_code == 429
    assert refused.json["code"] == "too_many_sign_in_failures"
    assert 1 <= int(refused.headers["Retry-After"]) <= 600
    other = sign_in(client, "someone-else", "wrong", address="10.0.9.9")
    assert other.status_code == 401  # another account from a fresh address is not held back


def test_failures_per_address_hold_back_every_account_from_it(throttled_app):
    client = throttled_app.test_client()
    for name in ("a", "b", "c"):
        assert _live_login(client, name, "wrong", address="192.0.2.7").status_code == 401
    assert _live_login(client, "d", "wrong", address="192.0.2.7").status_code == 429
    assert _live_login(client, "d", "wrong", address="192.0.2.8").status_code == 401


def test_success_clears_the_count(throttled_app):
    _user(throttled_app)
    client = throttled_app.test_client()
    for _ in range(LIMIT - 1):
        assert _token(client, "vera", "wrong").status_code == 401
    assert _token(client, "vera", "right-pass").status_code == 200
    for _ in range(LIMIT - 1):
        assert _token(client, "vera", "wrong").status_code == 401
    assert _token(client, "vera", "right-pass").status_code == 200


def test_redis_shares_the_count_between_processes(make_app):
    redis_url = isolation.given_redis_url()
    if not redis_url:
        pytest.skip("needs TEST_REDIS_URL (a Redis db number of the tests' own)")
    import redis
    redis.Redis.from_url(redis_url).flushdb()
    settings = {"REDIS_URL": redis_url, "SIGN_IN_MAX_FAILURES": str(LIMIT), "SIGN_IN_WINDOW": "10m"}
    first, second = make_app(**settings).test_client(), make_app(**settings).test_client()
    for client in (first, second, first):
        assert _live_login(client, "shared", "wrong").status_code == 401
    assert _live_login(second, "shared", "wrong").status_code == 429
