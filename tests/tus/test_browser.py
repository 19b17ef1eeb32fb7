"""tus-js-client (from the npm registry) in headless Debian Chromium, driven by Playwright: a
20 MiB upload paused and resumed, and one resumed after a page reload from its stored URL."""

from __future__ import annotations

import functools
import shutil
import subprocess
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.live
HERE = Path(__file__).parent
JS_CLIENT = HERE / ".js_client"
TUS_JS_VERSION = "4.3.1"
CHROMIUM = "/usr/bin/chromium"
MIB = 1024 * 1024
SIZE = 20 * MIB
TIMEOUT_MS = 120_000


@pytest.fixture(scope="session")
def tus_js() -> Path:
    """tus-js-client's browser bundle, installed once into a folder git ignores."""
    bundle = JS_CLIENT / "node_modules" / "tus-js-client" / "dist" / "tus.min.js"
    if not bundle.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is needed to install tus-js-client")
        subprocess.run([npm, "install", "--prefix", str(JS_CLIENT), "--no-audit", "--no-fund",
                        f"tus-js-client@{TUS_JS_VERSION}"], check=True, capture_output=True, timeout=300)
    return bundle


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def page_url(tus_js, tmp_path):
    """The test page and the bundle on their own loopback origin (the API is another: CORS)."""
    site = tmp_path / "site"
    site.mkdir()
    shutil.copy(HERE / "tus_page.html", site / "index.html")
    shutil.copy(tus_js, site / "tus.min.js")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture
def page(page_url):
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"])
        try:
            tab = browser.new_page()
            tab.set_default_timeout(TIMEOUT_MS)
            tab.goto(page_url)
            yield tab
        finally:
            browser.close()


def new_session(base: str) -> str:
    response = requests.post(f"{base}/api/session/create", json={}, timeout=30)
    assert response.status_code == 201
    return response.json()["session_id"]


def stored_video(base: str, session_id: str, video_id: str) -> dict:
    return requests.get(f"{base}/api/upload/status", params={"session_id": session_id, "video_id": video_id},
                        timeout=30).json()


def test_upload_paused_and_resumed(live_server, page):
    base = live_server.base_url
    session_id = new_session(base)
    outcome = page.evaluate("([api, sid, size]) => uploadPausedOnce(api, sid, 'browser_paused', 1, size, 6 * MIB)",
                            [base, session_id, SIZE])
    assert 0 < outcome["pausedAt"] < SIZE
    status = stored_video(base, session_id, "browser_paused")
    assert status["status"] == "complete"
    assert (status["sha256"], status["size"]) == (outcome["sha256"], SIZE)


def test_upload_resumed_after_a_reload_from_its_stored_url(live_server, page):
    base = live_server.base_url
    session_id = new_session(base)
    first = page.evaluate("([api, sid, size]) => uploadUntil(api, sid, 'browser_reload', 2, size, 8 * MIB)",
                          [base, session_id, SIZE])
    assert 0 < first["offset"] < SIZE
    page.reload()
    second = page.evaluate("([api, sid, size]) => resumeStored(api, sid, 'browser_reload', 2, size)",
                           [base, session_id, SIZE])
    assert second["url"] == first["url"] and second["storedAfter"] == 0
    status = stored_video(base, session_id, "browser_reload")
    assert status["status"] == "complete"
    assert (status["sha256"], status["size"]) == (second["sha256"], SIZE)
    session = requests.get(f"{base}/api/session/{session_id}", timeout=30).json()
    assert [video["video_id"] for video in session["videos"]] == ["browser_reload"]
