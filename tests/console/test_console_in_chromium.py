"""Debian's Chromium, driven by Playwright, against a real gunicorn process: sign in, filter
the table, play a recording-app video and a segment's audio, watch a segment and a note
posted through the API appear live, and the refusals (another user's page, a form without its
CSRF token).

With CONSOLE_SCREENSHOTS set to a folder, the main pages are saved there (docs/screenshots).
"""

from __future__ import annotations

import base64
import math
import os
import shutil
from pathlib import Path

import pytest
import requests

from facial_backend.extensions import db
from tests.console import seed
from tests.console.media_files import make_webm
from tests.console.test_export_page import verify_manifest
from tests.live.conftest import make_m4a

pytestmark = pytest.mark.live
CHROMIUM = shutil.which("chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--autoplay-policy=no-user-gesture-required"]
WAIT_MS = 20_000
IMAGE = "data:image/svg+xml;base64," + base64.b64encode(
    b'<svg xmlns="http://www.w3.org/2000/svg" width="160" height="120"><rect width="160" height="120" '
    b'fill="#8a1c7c"/><circle cx="80" cy="60" r="30" fill="#ffbf47"/></svg>').decode()
PLAYING = """media => media.readyState >= 2 && media.currentTime > 0.3 && !media.error"""


@pytest.fixture
def browser():
    if CHROMIUM is None:
        (pytest.fail if os.environ.get("CI") else pytest.skip)("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def sessions(app, people, live_server):
    """A recording-app session with a real WebM, a live session with a segment (image link and
    m4a audio) and an active testbed session, made through the API where the apps make them."""
    api = live_server.base_url
    created = requests.post(f"{api}/api/session/create", json={"participant_id": "P-042",
                                                                "participant_name": "Bea Brown"}, timeout=30)
    recording_id = created.json()["session_id"]
    video = make_webm()
    chunk = requests.post(f"{api}/api/upload/chunk", data={
        "session_id": recording_id, "video_id": "video_smile", "chunk_index": "0", "total_chunks": "1"},
        files={"chunk": ("chunk_0", video, "application/octet-stream")}, timeout=30)
    assert chunk.json()["status"] == "video_complete", chunk.text
    with app.app_context():
        live = seed.session("live", seed.START, evaluator_id="evaluator1", client_id="client1")
        db.session.commit()
        live_id = live.id
    segment = requests.post(f"{api}/api/session/segment", json={
        "sessionId": live_id, "evaluatorId": "evaluator1", "clientId": "client1", "imageIndex": 3,
        "signedUrl": IMAGE,
        "audioBase64": base64.b64encode(make_m4a(seconds=2.0)).decode()}, timeout=30)
    assert segment.status_code in (200, 201), segment.text
    testbed = requests.post(f"{api}/api/sessions", json={"name": "Console live run"}, timeout=30)
    assert testbed.ok, testbed.text
    testbed_id = testbed.json()["id"]
    points = [{"timestamp": f"2026-03-02T09:{n // 60:02d}:{n % 60:02d}Z", "channel": channel,
               "value": base + 8 * math.sin(n / 9), "unit": unit}
              for n in range(300) for channel, base, unit in (("heart_rate", 72, "bpm"), ("skin_temp", 33, "°C"))]
    stored = requests.post(f"{api}/api/sessions/{testbed_id}/telemetry/batch", json={"data": points}, timeout=30)
    assert stored.ok, stored.text
    return {"recording": recording_id, "live": live_id, "testbed": testbed_id}


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/console/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(seed.PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base_url}/console/sessions")


def shoot(page, name: str) -> None:
    folder = os.environ.get("CONSOLE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_operator_filters_plays_and_sees_live_segments_and_notes(browser, live_server, sessions):
    base = live_server.base_url
    page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    sign_in(page, base, "operator1")
    shoot(page, "sessions")
    page.get_by_label("Kind", exact=True).select_option("recording")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**kind=recording**")
    rows = page.locator("table.sessions tbody tr")
    assert rows.count() == 1 and "Bea Brown" in rows.first.inner_text()

    page.get_by_role("link", name=sessions["recording"]).click()
    video = page.locator("video").first
    video.evaluate("v => v.play()")
    page.wait_for_function(PLAYING, arg=video.element_handle(), timeout=WAIT_MS)
    shoot(page, "session-recording-app")

    page.goto(f"{base}/console/sessions/{sessions['live']}")
    audio = page.get_by_label("Audio of image 3")
    audio.evaluate("a => a.play()")
    page.wait_for_function(PLAYING, arg=audio.element_handle(), timeout=WAIT_MS)
    shoot(page, "session-live")
    page.wait_for_selector('#timeline[data-live-connected="true"]', state="attached", timeout=WAIT_MS)
    stored = requests.post(f"{base}/api/session/segment", json={
        "sessionId": sessions["live"], "evaluatorId": "evaluator1", "clientId": "client1", "imageIndex": 4,
        "audioBase64": base64.b64encode(make_m4a(seconds=1.0)).decode()}, timeout=30)
    assert stored.ok, stored.text
    page.get_by_label("Audio of image 4").wait_for(timeout=WAIT_MS)
    assert page.locator("#live-status").inner_text() == "1 new item arrived."
    assert not audio.evaluate("a => a.paused"), "the playing segment was left alone"

    page.goto(f"{base}/console/sessions/{sessions['testbed']}")
    page.wait_for_selector('#timeline[data-live-connected="true"]', state="attached", timeout=WAIT_MS)
    page.wait_for_selector('figure[data-channel="heart_rate"] canvas', timeout=WAIT_MS)
    summary = page.locator('figure[data-channel="heart_rate"] .chart-summary').inner_text()
    assert summary.startswith("300 points; lowest ")
    posted = requests.post(f"{base}/api/sessions/{sessions['testbed']}/notes",
                           json={"content": "Participant smiled at image 3", "type": "observation",
                                 "timestamp": "2026-12-06T10:00:00Z"}, timeout=30)
    assert posted.ok, posted.text
    page.get_by_text("Participant smiled at image 3").wait_for(timeout=WAIT_MS)
    assert page.locator("#live-status").inner_text() == "1 new item arrived."
    shoot(page, "session-testbed-live")

    page.goto(f"{base}/console/sessions/{sessions['recording']}")
    with page.expect_download() as started:
        page.get_by_role("link", name="Export this session (zip)").click()
    manifest = verify_manifest(Path(started.value.path()).read_bytes())
    assert [e["path"] for e in manifest["files"] if e["role"] == "media"] == ["media/videos/video_smile.webm"]


def test_recorder_and_forged_forms_are_refused(browser, live_server, sessions, app, people):
    base = live_server.base_url
    with app.app_context():
        seed.session("recording", seed.START, created_by_id=people["recorder1"], id="sess_of_recorder1")
        db.session.commit()
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, base, "recorder2")
    assert page.locator("table.sessions tbody").inner_text().strip() == "No sessions match these filters."
    response = page.goto(f"{base}/console/sessions/sess_of_recorder1")
    assert response.status == 404 and page.get_by_role("heading", name="Not found (404)").is_visible()
    forged = context.request.post(f"{base}/console/sign-out", form={"anything": "1"})
    assert forged.status == 400 and "security token is missing" in forged.text()
    assert page.goto(f"{base}/console/sessions").url == f"{base}/console/sessions"  # still signed in


def test_keyboard_only_sign_in_and_navigation(browser, live_server, people):
    base = live_server.base_url
    page = browser.new_context().new_page()
    page.goto(f"{base}/console/sign-in")
    assert page.evaluate("document.activeElement.id") == "username"  # autofocus
    page.keyboard.type("admin1")
    page.keyboard.press("Tab")
    page.keyboard.type(seed.PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/console/sessions")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.get_by_role("link", name="Users").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/console/users")
    shoot(page, "users")
    page.get_by_role("link", name="Access audit").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/console/audit")
