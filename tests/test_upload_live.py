"""The recording app's upload against a real gunicorn gevent process, as the browser sends it;
a client that vanishes mid-chunk; and a server killed with SIGKILL mid-upload."""

from __future__ import annotations

import hashlib
import random
import socket
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

import pytest
import requests

from tests.multipart import encode_multipart

pytestmark = pytest.mark.live

MIB = 1024 * 1024


def video_bytes(seed: int, size: int) -> bytes:
    return random.Random(seed).randbytes(size)


def chunk_request(index: int, total: int, session_id: str, video_id: str, data: bytes):
    """The uploader's FormData: session_id, video_id, chunk_index, total_chunks, chunk (chunk_<i>)."""
    return encode_multipart(
        {"session_id": session_id, "video_id": video_id, "chunk_index": str(index),
         "total_chunks": str(total)},
        [("chunk", f"chunk_{index}", data, "application/octet-stream")])


def send_chunk(http: requests.Session, base: str, session_id: str, video_id: str, index: int,
               total: int, data: bytes) -> dict:
    body, content_type = chunk_request(index, total, session_id, video_id, data)
    response = http.post(f"{base}/api/upload/chunk", data=body,
                         headers={"Content-Type": content_type}, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def upload_video(base: str, session_id: str, video_id: str, data: bytes, order=None) -> dict:
    total = -(-len(data) // MIB)
    last = None
    with requests.Session() as http:
        for index in order or range(total):
            last = send_chunk(http, base, session_id, video_id, index, total,
                              data[index * MIB:(index + 1) * MIB])
    return last


def status(base: str, session_id: str, video_id: str) -> dict:
    response = requests.get(f"{base}/api/upload/status",
                            params={"session_id": session_id, "video_id": video_id}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def stored_sha256(app, session_id: str, video_id: str) -> str:
    digest = hashlib.sha256()
    for piece in app.extensions["storage"].open(f"facial_recordings/{session_id}/{video_id}.webm"):
        digest.update(piece)
    return digest.hexdigest()


def new_session(base: str) -> str:
    response = requests.post(f"{base}/api/session/create", json={"participant_id": "live"}, timeout=30)
    assert response.status_code == 201
    return response.json()["session_id"]


def test_app_upload_flow(live_server, app):
    base = live_server.base_url
    session_id = new_session(base)

    # One video in order; the last chunk's response is "lost" and the app sends it again.
    first = video_bytes(1, 5 * MIB + 321)
    done = upload_video(base, session_id, "video_a", first)
    assert done == {"status": "video_complete", "video_id": "video_a",
                    "file_path": f"{session_id}/video_a.webm"}
    with requests.Session() as http:
        again = send_chunk(http, base, session_id, "video_a", 5, 6, first[5 * MIB:])
    assert again == done

    # Four videos into the same session at once, one of them out of order.
    videos = {f"video_{n}": video_bytes(10 + n, 3 * MIB + n * 1000) for n in range(4)}
    orders = {"video_0": None, "video_1": [3, 0, 2, 1], "video_2": None, "video_3": [1, 0, 3, 2]}
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda name: upload_video(base, session_id, name, videos[name],
                                                          orders[name]), videos))
    assert all(result["status"] == "video_complete" for result in results)

    for name, data in {"video_a": first, **videos}.items():
        expected = hashlib.sha256(data).hexdigest()
        state = status(base, session_id, name)
        assert state["status"] == "complete" and state["size"] == len(data)
        assert state["sha256"] == expected
        assert stored_sha256(app, session_id, name) == expected

    listed = requests.get(f"{base}/api/session/{session_id}", timeout=30).json()["videos"]
    assert sorted(video["video_id"] for video in listed) == sorted(["video_a", *videos])


def send_partial_chunk(base: str, session_id: str, video_id: str, index: int, total: int,
                       data: bytes) -> socket.socket:
    """Send the headers and half the body of a chunk request, then stop (keep the socket)."""
    body, content_type = chunk_request(index, total, session_id, video_id, data)
    url = urlparse(base)
    conn = socket.create_connection((url.hostname, url.port), timeout=30)
    head = (f"POST /api/upload/chunk HTTP/1.1\r\nHost: {url.netloc}\r\n"
            f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    conn.sendall(head + body[: len(body) // 2])
    return conn


def test_client_vanishing_mid_chunk_stores_nothing(live_server):
    base = live_server.base_url
    session_id = new_session(base)
    data = video_bytes(3, 3 * MIB)
    with requests.Session() as http:
        send_chunk(http, base, session_id, "v", 0, 3, data[:MIB])
    send_partial_chunk(base, session_id, "v", 1, 3, data[MIB:2 * MIB]).close()
    # The server is still healthy and chunk 1 was not recorded.
    assert status(base, session_id, "v")["received"] == [0]
    done = upload_video(base, session_id, "v", data, order=[1, 2])
    assert done["status"] == "video_complete"
    assert status(base, session_id, "v")["sha256"] == hashlib.sha256(data).hexdigest()


def test_sigkill_mid_upload_loses_nothing_acknowledged(live_server_factory, app):
    server = live_server_factory({"UPLOAD_FSYNC": "true"})
    base = server.base_url
    session_id = new_session(base)
    data = video_bytes(4, 10 * MIB - 77)
    acknowledged = [0, 1, 2, 3, 6, 7]  # in order, then ahead of a gap
    with requests.Session() as http:
        for index in acknowledged:
            reply = send_chunk(http, base, session_id, "v", index, 10, data[index * MIB:(index + 1) * MIB])
            assert reply["status"] == "chunk_received"
    hanging = send_partial_chunk(base, session_id, "v", 4, 10, data[4 * MIB:5 * MIB])
    server.kill()
    hanging.close()

    restarted = live_server_factory({"UPLOAD_FSYNC": "true"})
    state = status(restarted.base_url, session_id, "v")
    assert state["status"] == "receiving"
    assert state["received"] == acknowledged
    missing = [i for i in range(10) if i not in state["received"]]
    done = upload_video(restarted.base_url, session_id, "v", data, order=missing)
    assert done["status"] == "video_complete"
    expected = hashlib.sha256(data).hexdigest()
    assert status(restarted.base_url, session_id, "v")["sha256"] == expected
    assert stored_sha256(app, session_id, "v") == expected


def test_a_chunk_replaced_through_another_process_is_in_the_recorded_sha256(live_server, app):
    """This process appends chunks 0 and 1 (keeping a running hash of them); the gunicorn
    process replaces chunk 1 with bytes of the same size; this process then completes the
    video. The recorded SHA-256 is that of the stored file, not of the bytes this process saw."""
    client = app.test_client()
    session_id = new_session(live_server.base_url)
    for index, part in enumerate((b"zero", b"one!")):
        body, content_type = chunk_request(index, 3, session_id, "v", part)
        assert client.post("/api/upload/chunk", data=body, content_type=content_type).status_code == 200
    with requests.Session() as http:
        assert send_chunk(http, live_server.base_url, session_id, "v", 1, 3, b"ONE!")["received"] == 2
    body, content_type = chunk_request(2, 3, session_id, "v", b"two")
    assert client.post("/api/upload/chunk", data=body,
                       content_type=content_type).json["status"] == "video_complete"
    expected = hashlib.sha256(b"zeroONE!two").hexdigest()
    assert stored_sha256(app, session_id, "v") == expected
    assert status(live_server.base_url, session_id, "v")["sha256"] == expected
