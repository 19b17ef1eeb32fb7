"""Headless Chromium uploads a video through the service as the recording app's page does."""

from __future__ import annotations

import functools
import html
import json
import os
import re
import shutil
import subprocess
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.live
CHROMIUM = shutil.which("chromium")
PAGES = Path(__file__).parent


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def page_server():
    """Serves this folder on a loopback port (the page's origin differs from the API's: CORS)."""
    handler = functools.partial(_QuietHandler, directory=str(PAGES))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def run_page(url: str, profile: Path) -> dict:
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--virtual-time-budget=60000", "--dump-dom", url],
        capture_output=True, text=True, timeout=120)
    match = re.search(r'<pre id="result">(.*?)</pre>', result.stdout, re.S)
    assert match, f"no result in the page:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
    return json.loads(html.unescape(match.group(1)))


def test_browser_upload(live_server, page_server, tmp_path):
    if CHROMIUM is None:  # CI installs it (.ci/run); there a missing browser is a failure
        (pytest.fail if os.environ.get("CI") else pytest.skip)("Debian's chromium is not installed")
    outcome = run_page(f"{page_server}/upload_page.html?api={live_server.base_url}", tmp_path / "profile")
    assert outcome["ok"], outcome
    session_id = outcome["sessionId"]
    assert outcome["complete"] == {"status": "video_complete", "video_id": "video_browser",
                                   "file_path": f"{session_id}/video_browser.webm"}
    status = requests.get(f"{live_server.base_url}/api/upload/status",
                          params={"session_id": session_id, "video_id": "video_browser"}, timeout=30).json()
    assert status["sha256"] == outcome["sha256"] and status["size"] == outcome["size"]
    video = outcome["session"]["videos"][0]
    assert video["prompt_id"] == "smile" and video["status"] == "complete"
