"""deploy/gunicorn.conf.py runs the service: gevent worker, gunicorn's own log lines in the
service's JSON format, a control socket only where GUNICORN_CONTROL_SOCKET names one."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def start_gunicorn(app_settings, tmp_path):
    """Start ``gunicorn -c deploy/gunicorn.conf.py wsgi:app`` on a socket opened here."""
    started: list[tuple[subprocess.Popen, Path]] = []

    def start(extra_env: dict[str, str]) -> tuple[str, Path]:
        listener = socket.create_server(("127.0.0.1", 0))
        port = listener.getsockname()[1]
        log_path = tmp_path / f"gunicorn-{port}.log"
        env = {**os.environ, **app_settings, "HOME": str(tmp_path), "LOG_LEVEL": "info",
               **extra_env}
        env.pop("XDG_RUNTIME_DIR", None)
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py",
                 "-b", f"fd://{listener.fileno()}", "wsgi:app"],
                cwd=ROOT, env=env, pass_fds=(listener.fileno(),), stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True)
        listener.close()
        started.append((process, log_path))
        base_url = f"http://127.0.0.1:{port}"
        response = requests.get(base_url + "/livez", timeout=60)
        assert response.status_code == 200, log_path.read_text()
        return base_url, log_path
    yield start
    for process, _ in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


def test_json_lines_gevent_and_no_control_socket(start_gunicorn, tmp_path):
    base_url, log_path = start_gunicorn({})
    response = requests.get(base_url + "/health", timeout=30)
    assert response.json()["status"] == "healthy"
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.strip()]
    messages = [line["message"] for line in lines]
    assert any("Using worker: gevent" in m for m in messages), messages
    access = [line for line in lines if "access" in line["logger"]]
    assert [(a["logger"], a["path"], a["status"]) for a in access] == [
        ("facial_backend.access", "/livez", 200), ("facial_backend.access", "/health", 200)]
    assert not (tmp_path / ".gunicorn").exists()


def test_a_control_socket_per_instance(start_gunicorn, tmp_path):
    sockets = [tmp_path / "web-a.ctl", tmp_path / "web-b.ctl"]
    for path in sockets:
        start_gunicorn({"GUNICORN_CONTROL_SOCKET": str(path)})
    assert all(path.is_socket() for path in sockets)


@pytest.mark.parametrize("allowed, scheme", [("127.0.0.1,::1", "https"), ("192.0.2.1", "http")])
def test_forwarded_scheme_only_from_allowed_addresses(start_gunicorn, make_user, allowed, scheme):
    """X-Forwarded-Proto counts only from FORWARDED_ALLOW_IPS (the local presigned URL shows
    the scheme the service believes it is reached by)."""
    _, token = make_user("vet", "recorder")
    base_url, _ = start_gunicorn({"FORWARDED_ALLOW_IPS": allowed, "STORAGE_BACKEND": "local"})
    response = requests.post(
        base_url + "/api/v1/recordings/upload/initiate", timeout=30,
        headers={"Authorization": f"Bearer {token}", "X-Forwarded-Proto": "https"},
        json={"visit_id": "0b0c0d0e-1111-4222-8333-444455556666", "filename": "memo.wav",
              "content_type": "audio/wav"})
    assert response.status_code == 200, response.text
    assert response.json()["upload_url"].startswith(f"{scheme}://127.0.0.1:")
