"""Signing in and out: the cookie's flags, CSRF on every form, the idle timeout, roles without
console access, and error pages instead of JSON."""

from __future__ import annotations

import time

from tests.console import seed
from tests.console.conftest import csrf_token


def _set_cookie(response) -> str:
    return next(v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("console_session="))


def test_sign_in_sets_an_httponly_samesite_cookie_for_the_console_only(client, people):
    page = client.get("/console/sign-in")
    assert page.status_code == 200 and '<label for="username">Username</label>' in page.text
    response = client.post("/console/sign-in?next=/console/sessions%3Fkind%3Dlive", data={
        "username": "operator1", "password": seed.PASSWORD, "csrf_token": csrf_token(page.text)})
    assert response.status_code == 302 and response.headers["Location"] == "/console/sessions?kind=live"
    cookie = _set_cookie(response)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie
    assert "Signed in as <strong>Operator1</strong>" in client.get("/console/sessions").text


def test_the_cookie_is_secure_over_https(client, people):
    page = client.get("/console/sign-in", base_url="https://localhost")
    response = client.post("/console/sign-in", base_url="https://localhost",
                           headers={"Referer": "https://localhost/console/sign-in"}, data={
        "username": "operator1", "password": seed.PASSWORD, "csrf_token": csrf_token(page.text)})
    assert response.status_code == 302 and "Secure" in _set_cookie(response)


def test_next_never_leaves_the_console(client, people):
    page = client.get("/console/sign-in")
    response = client.post("/console/sign-in?next=//evil.example/x", data={
        "username": "operator1", "password": seed.PASSWORD, "csrf_token": csrf_token(page.text)})
    assert response.headers["Location"] == "/console/sessions"


def test_wrong_password_disabled_user_and_roles_without_console_access(client, people, app):
    token = csrf_token(client.get("/console/sign-in").text)
    wrong = client.post("/console/sign-in", data={"username": "operator1", "password": "nope-nope",
                                                  "csrf_token": token})
    assert wrong.status_code == 401 and "username or password is wrong" in wrong.text
    refused = client.post("/console/sign-in", data={"username": "client1", "password": seed.PASSWORD,
                                                    "csrf_token": token})
    assert refused.status_code == 403 and "no access to the console" in refused.text
    assert client.get("/console/sessions").status_code == 302


def test_a_form_without_its_csrf_token_is_refused(client, people, sign_in):
    sign_in("admin1")
    for path, data in (("/console/sign-out", {}), ("/console/users", {"username": "x", "role": "admin",
                                                                      "password": "long-enough-1"})):
        response = client.post(path, data=data)
        assert response.status_code == 400 and response.mimetype == "text/html"
        assert "security token is missing" in response.text
    assert client.get("/console/sessions").status_code == 200  # still signed in: nothing happened


def test_sign_out(client, people, sign_in):
    sign_in("operator1")
    token = csrf_token(client.get("/console/sessions").text)
    response = client.post("/console/sign-out", data={"csrf_token": token})
    assert response.headers["Location"] == "/console/sign-in?notice=signed_out"
    assert client.get("/console/sessions").status_code == 302


def test_idle_session_is_signed_out(client, people, sign_in, app):
    sign_in("operator1")
    with client.session_transaction("/console/sessions") as session:
        session["seen"] = time.time() - app.config["CONSOLE_IDLE_TIMEOUT"] - 1
    response = client.get("/console/sessions")
    assert response.status_code == 302 and "notice=expired" in response.headers["Location"]
    assert "signed out after a period without activity" in client.get(response.headers["Location"]).text
    assert client.get("/console/sessions").status_code == 302


def test_a_disabled_user_is_signed_out_at_the_next_page(client, people, sign_in, app, runner):
    sign_in("operator1")
    assert runner.invoke(args=["users", "disable", "operator1"]).exit_code == 0
    assert client.get("/console/sessions").status_code == 302


def test_pages_are_not_cached_or_framed(client, people, sign_in):
    response = sign_in("operator1").get("/console/sessions")
    assert response.headers["Cache-Control"] == "no-store" and response.headers["X-Frame-Options"] == "DENY"
    with client.get("/console/static/console/console.css") as css:
        assert css.status_code == 200 and css.mimetype == "text/css"
    with client.get("/console/static/console/vendor/uplot/LICENSE") as licence:
        assert licence.status_code == 200 and b"MIT" in licence.data


def test_repeated_failures_are_throttled(client, people, app):
    token = csrf_token(client.get("/console/sign-in").text)
    for _ in range(app.config["SIGN_IN_MAX_FAILURES"]):
        assert client.post("/console/sign-in", data={"username": "operator1", "password": "wrong-one",
                                                     "csrf_token": token}).status_code == 401
    refused = client.post("/console/sign-in", data={"username": "operator1", "password": seed.PASSWORD,
                                                    "csrf_token": token})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "Too many failed sign-ins" in refused.text
