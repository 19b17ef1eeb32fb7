"""A frontend in FRONTEND_DIR, loaded by Debian's Chromium from a real gunicorn process: the page,
its module scripts and stylesheet arrive with types the browser accepts (it refuses module
scripts and stylesheets of any other type), and the page talks to the API beside it."""

from __future__ import annotations

import os
import shutil

import pytest
import requests

pytestmark = pytest.mark.live
CHROMIUM = shutil.which("chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
WAIT_MS = 20_000

INDEX = """<!doctype html>
<html><head><meta charset="utf-8"><title>Recorder</title>
<link rel="stylesheet" href="css/style.css">
<script type="module" src="js/app.js"></script></head>
<body><p id="state">loading</p></body></html>"""
APP = """import { createSession, log } from "./api.js";
const state = document.getElementById("state");
const sessionId = await createSession();
await log(sessionId, "page ready");
state.textContent = "session " + sessionId;
state.className = "ready";
"""
API = """export async function createSession() {
  const response = await fetch("/api/session/create", {method: "POST",
    headers: {"Content-Type": "application/json"}, body: JSON.stringify({participant_id: "p-1"})});
  if (!response.ok) throw new Error("create " + response.status);
  return (await response.json()).session_id;
}
export async function log(sessionId, message) {
  const response = await fetch("/api/log/client", {method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify({session_id: sessionId, level: "info", message, context: {page: "index"}})});
  if (!response.ok) throw new Error("log " + response.status);
}
"""
STYLE = "#state.ready { color: rgb(0, 128, 0); }"


@pytest.fixture
def frontend(tmp_path):
    root = tmp_path / "frontend"
    (root / "js").mkdir(parents=True)
    (root / "css").mkdir()
    (root / "index.html").write_text(INDEX)
    (root / "js" / "app.js").write_text(APP)
    (root / "js" / "api.js").write_text(API)
    (root / "css" / "style.css").write_text(STYLE)
    (root / "favicon.ico").write_bytes(b"\x00\x00\x01\x00")  # the browser asks for it
    return root


def test_the_page_its_scripts_and_styles_load_and_reach_the_api(live_server_factory, frontend, make_user):
    if CHROMIUM is None:
        (pytest.fail if os.environ.get("CI") else pytest.skip)("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    server = live_server_factory({"FRONTEND_DIR": str(frontend)})
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = chromium.new_page()
            page.set_default_timeout(WAIT_MS)
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("response", lambda response: errors.append(f"{response.status} {response.url}")
                    if response.status >= 400 else None)
            page.goto(f"{server.base_url}/")
            page.locator("#state.ready").wait_for()
            text = page.locator("#state").inner_text()
            color = page.eval_on_selector("#state", "element => getComputedStyle(element).color")
        finally:
            chromium.close()
    assert errors == []
    assert text.startswith("session ") and color == "rgb(0, 128, 0)"
    session_id = text.removeprefix("session ")
    _, operator = make_user("op", "operator")
    logs = requests.get(f"{server.base_url}/api/log/client/{session_id}",
                        headers={"Authorization": f"Bearer {operator}"}, timeout=10)
    assert logs.status_code == 200 and [line["message"] for line in logs.json()["logs"]] == ["page ready"]
