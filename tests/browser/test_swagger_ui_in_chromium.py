"""Swagger UI at /docs in Debian's Chromium against a real gunicorn process: its Authorize
button signs in with the OAuth2 password flow of /api/v1/auth/token, or takes a pasted bearer
token, and "Try it out" then sends that token to a route that needs one."""

from __future__ import annotations

import os
import shutil

import pytest

pytestmark = pytest.mark.live
CHROMIUM = shutil.which("chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
WAIT_MS = 20_000
PASSWORD = "secret-pass"
SEGMENTS = "#operations-live_http-live_http_list_segments"


@pytest.fixture
def page(live_server):
    if CHROMIUM is None:
        (pytest.fail if os.environ.get("CI") else pytest.skip)("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = chromium.new_context(viewport={"width": 1366, "height": 900}).new_page()
        page.set_default_timeout(WAIT_MS)
        page.goto(f"{live_server.base_url}/docs")
        page.locator(SEGMENTS).wait_for()
        yield page
        chromium.close()


def _authorize_dialog(page):
    page.locator("button.btn.authorize").first.click()
    return page.locator(".modal-ux")


def _try_segments(page) -> tuple[int, str | None]:
    """Run GET /api/session/segments from Swagger UI: (status, Authorization header sent)."""
    operation = page.locator(SEGMENTS)
    if not operation.locator(".try-out__btn").is_visible():
        operation.locator(".opblock-summary").click()
    if operation.locator(".try-out__btn", has_text="Try it out").is_visible():
        operation.locator(".try-out__btn").click()
    with page.expect_response(lambda response: "/api/session/segments" in response.url) as answer:
        operation.locator("button.execute").click()
    return answer.value.status, answer.value.request.headers.get("authorization")


def test_password_flow_of_the_authorize_button(page, make_user):
    make_user("eva", "evaluator", PASSWORD)
    dialog = _authorize_dialog(page)
    oauth2 = dialog.locator(".auth-container", has_text="oauth2")
    oauth2.locator("#oauth_username").fill("eva")
    oauth2.locator("#oauth_password").fill(PASSWORD)
    with page.expect_response(lambda response: "/api/v1/auth/token" in response.url) as token:
        oauth2.locator("button.authorize").click()
    assert token.value.status == 200
    dialog.locator("button.btn-done").first.click()
    status, authorization = _try_segments(page)
    assert status == 200 and authorization.startswith("Bearer ey")


def test_pasted_bearer_token(page, make_user):
    _, token = make_user("eva", "evaluator", PASSWORD)
    dialog = _authorize_dialog(page)
    bearer = dialog.locator(".auth-container", has_text="bearer")
    bearer.locator("input").fill(token)
    bearer.locator("button.authorize").click()
    dialog.locator("button.btn-done").first.click()
    assert _try_segments(page) == (200, f"Bearer {token}")
