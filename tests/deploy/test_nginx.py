"""The nginx sample in front of two gunicorn processes: a live session over WebSockets, a
chunked upload, a Socket.IO client on long-polling (sticky by address) and the client's own
address in the service's logs. Debian's nginx; skipped where it is not installed."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests
import socketio as socketio_client_lib

from tests import isolation
from tests.live.conftest import WAIT_S
from tests.recording_app_client import MIB

pytestmark = pytest.mark.live
ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "deploy" / "nginx" / "facial-backend.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


class Nginx:
    def __init__(self, folder: Path, upstreams: list[int]):
        if not Path(NGINX).exists():
            pytest.skip("Debian's nginx is not installed")
        self.folder = folder
        self.port = _free_port()
        site = SAMPLE.read_text()
        servers = "".join(f"    server 127.0.0.1:{port};\n" for port in upstreams)
        site = re.sub(r"(    server 127\.0\.0\.1:\d+;\n)+", servers, site)
        site = site.replace("listen 127.0.0.1:8080;", f"listen 127.0.0.1:{self.port};")
        (folder / "site.conf").write_text(site)
        temp = {name: folder / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
        for path in temp.values():
            path.mkdir()
        (folder / "nginx.conf").write_text(f"""
user root;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {folder}/access.log;
    client_body_temp_path {temp['body']};
    proxy_temp_path {temp['proxy']};
    fastcgi_temp_path {temp['fastcgi']};
    uwsgi_temp_path {temp['uwsgi']};
    scgi_temp_path {temp['scgi']};
    include {folder}/site.conf;
}}
""")
        self.process = subprocess.Popen([NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf"),
                                         "-g", "daemon off;"], stderr=subprocess.PIPE)
        self.base_url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + WAIT_S
        while True:
            try:
                if requests.get(self.base_url + "/livez", timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            assert self.process.poll() is None, self.process.stderr.read().decode()
            assert time.monotonic() < deadline, "nginx did not answer"
            time.sleep(0.05)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=WAIT_S)
        self.process.stderr.close()


def _free_port() -> int:
    import socket
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


@pytest.fixture
def proxied(live_server_factory, tmp_path, demo_users):
    env = {"TRUSTED_PROXY_HOPS": "1", "LOG_LEVEL": "info"}
    if isolation.given_redis_url():
        env["REDIS_URL"] = isolation.given_redis_url()
    servers = [live_server_factory(env), live_server_factory(env)]
    folder = tmp_path / "nginx"
    folder.mkdir()
    nginx = Nginx(folder, [server.port for server in servers])
    yield nginx, servers
    nginx.stop()


def _login(base: str, user: str, password: str) -> str:
    response = requests.post(f"{base}/api/auth/login", json={"userId": user, "password": password},
                             timeout=WAIT_S)
    assert response.status_code == 200, response.text
    return response.json()["token"]


def test_live_session_upload_and_polling_through_nginx(proxied, sockets):
    nginx, servers = proxied
    base = nginx.base_url

    client = sockets(base, _login(base, "client1", "client1"))
    client.register("client1", "client")
    evaluator = sockets(base, _login(base, "evaluator1", "eval1"))
    evaluator.register("evaluator1", "evaluator")
    evaluator.emit("start_session", {"clientId": "client1"})
    started = evaluator.wait("session_started")
    assert client.wait("session_started")["sessionId"] == started["sessionId"]
    evaluator.emit("webrtc_signal", {"targetUserId": "client1", "signal": {"type": "offer", "sdp": "v=0"}})
    assert client.wait("webrtc_signal")["signal"]["type"] == "offer"

    session_id = requests.post(f"{base}/api/session/create", json={}, timeout=WAIT_S).json()["session_id"]
    video = os.urandom(3 * MIB + 12345)
    pieces = [video[i:i + MIB] for i in range(0, len(video), MIB)]
    for index, piece in enumerate(pieces):
        answer = requests.post(f"{base}/api/upload/chunk", timeout=WAIT_S, files={"chunk": ("c", piece)},
                               data={"session_id": session_id, "video_id": "v1", "chunk_index": str(index),
                                     "total_chunks": str(len(pieces))})
        assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "video_complete"
    listed = requests.get(f"{base}/api/session/{session_id}", timeout=WAIT_S).json()
    assert [v["sha256"] for v in listed["videos"]] == [hashlib.sha256(video).hexdigest()]

    http_session = requests.Session()  # ours, so its connections are closed when the test ends
    polling = socketio_client_lib.Client(reconnection=False, http_session=http_session)
    registered = []
    polling.on("registered", registered.append)
    polling.connect(base, transports=["polling"], wait_timeout=WAIT_S)
    try:
        for _ in range(3):  # several polling round trips, each a new HTTP request through nginx
            registered.clear()
            polling.emit("register", {"userId": "client2", "role": "client", "package": "socketio"})
            deadline = time.monotonic() + WAIT_S
            while not registered and time.monotonic() < deadline:
                polling.sleep(0.02)
            assert registered, "a polling client got no answer through nginx"
    finally:
        polling.disconnect()
        http_session.close()


def test_client_address_reaches_the_logs_behind_nginx(proxied):
    nginx, servers = proxied
    connection = http.client.HTTPConnection("127.0.0.1", nginx.port, timeout=WAIT_S,
                                            source_address=("127.0.0.7", 0))
    connection.request("GET", "/health", headers={"X-Request-ID": "a" * 32})
    assert connection.getresponse().status == 200
    connection.close()
    deadline = time.monotonic() + WAIT_S
    while True:
        lines = [json.loads(line) for server in servers
                 for line in server.log_path.read_text().splitlines() if line.startswith("{")]
        mine = [line for line in lines if line.get("request_id") == "a" * 32 and line.get("path") == "/health"]
        if mine:
            break
        assert time.monotonic() < deadline, "the request's log line never appeared"
        time.sleep(0.05)
    assert mine[0]["remote"] == "127.0.0.7"
