"""tus against real gunicorn processes: tuspy uploads with checksums and resumes after the server
was killed with SIGKILL; no acknowledged byte is lost when the worker dies mid-upload; a PATCH
cut off mid-body, or whose client went silent, keeps what arrived; two PATCHes at once cannot
both append; session.json follows a completion."""

from __future__ import annotations

import hashlib
import io
import json
import random
import socket
import threading
import time
from urllib.parse import urlparse

import pytest
import requests
from tusclient import client as tus_client

from storage import ObjectNotFound
from tests.tus.tus_client import OFFSET_BODY, TUS, checksum, video_metadata

pytestmark = pytest.mark.live
MIB = 1024 * 1024
DEADLINE_S = 30.0


def new_session(base: str) -> str:
    response = requests.post(f"{base}/api/session/create", json={}, timeout=30)
    assert response.status_code == 201, response.text
    return response.json()["session_id"]


def create(base: str, session_id: str, video_id: str, length: int) -> str:
    response = requests.post(f"{base}/files/", timeout=30, headers={
        **TUS, "Upload-Length": str(length), "Upload-Metadata": video_metadata(session_id, video_id)})
    assert response.status_code == 201, response.text
    return response.headers["Location"]


def offset_of(location: str) -> int:
    response = requests.head(location, headers=TUS, timeout=30)
    assert response.status_code == 200, response.status_code
    return int(response.headers["Upload-Offset"])


def video_status(base: str, session_id: str, video_id: str) -> dict:
    return requests.get(f"{base}/api/upload/status", params={"session_id": session_id, "video_id": video_id},
                        timeout=30).json()


def wait_for(condition, what: str):
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)  # polling interval of a bounded wait on a condition
    raise AssertionError(f"timed out waiting for {what}")


def tuspy_uploader(base: str, data: bytes, session_id: str, video_id: str, url: str | None = None):
    return tus_client.TusClient(f"{base}/files/").uploader(
        file_stream=io.BytesIO(data), chunk_size=MIB, url=url, upload_checksum=True,
        metadata={"session_id": session_id, "video_id": video_id, "filename": f"{video_id}.webm",
                  "filetype": "video/webm"})


def test_tuspy_upload_resumes_after_sigkill(live_server_factory):
    server = live_server_factory()
    session_id = new_session(server.base_url)
    data = random.Random(7).randbytes(6 * MIB + 123)
    uploader = tuspy_uploader(server.base_url, data, session_id, "tuspy_video")
    uploader.upload(stop_at=3 * MIB)
    assert uploader.offset == 3 * MIB
    url = uploader.url
    server.kill()

    restarted = live_server_factory()
    url = url.replace(server.base_url, restarted.base_url)
    assert offset_of(url) == 3 * MIB
    resumed = tuspy_uploader(restarted.base_url, data, session_id, "tuspy_video", url=url)
    assert resumed.offset == 3 * MIB
    resumed.upload()
    status = video_status(restarted.base_url, session_id, "tuspy_video")
    assert status["status"] == "complete" and status["sha256"] == hashlib.sha256(data).hexdigest()
    session = requests.get(f"{restarted.base_url}/api/session/{session_id}", timeout=30).json()
    assert [video["video_id"] for video in session["videos"]] == ["tuspy_video"]


def test_the_session_mirror_follows_a_completion_answered_before_it(live_server, app):
    session_id = new_session(live_server.base_url)
    data = random.Random(12).randbytes(MIB + 5)
    location = create(live_server.base_url, session_id, "mirrored", len(data))
    answer = requests.patch(location, data=data, timeout=30, headers={
        **TUS, "Content-Type": OFFSET_BODY, "Upload-Offset": "0"})
    assert answer.status_code == 204 and answer.headers["Upload-Offset"] == str(len(data))
    assert video_status(live_server.base_url, session_id, "mirrored")["status"] == "complete"

    def mirrored():
        try:
            document = json.loads(app.extensions["storage"].read_bytes(
                f"facial_recordings/{session_id}/session.json"))
        except ObjectNotFound:
            return None
        return [video for video in document["videos"]
                if video["video_id"] == "mirrored" and video["sha256"] == hashlib.sha256(data).hexdigest()]

    wait_for(mirrored, "session.json to list the completed video")


def test_sigkill_during_patches_loses_no_acknowledged_byte(live_server_factory):
    server = live_server_factory({"UPLOAD_FSYNC": "true"})
    session_id = new_session(server.base_url)
    piece = 256 * 1024
    data = random.Random(8).randbytes(64 * piece)
    location = create(server.base_url, session_id, "killed", len(data))
    acknowledged = []

    def send() -> None:
        offset = 0
        with requests.Session() as http:
            while offset < len(data):
                try:
                    answer = http.patch(location, data=data[offset:offset + piece], timeout=30, headers={
                        **TUS, "Content-Type": OFFSET_BODY, "Upload-Offset": str(offset)})
                except requests.RequestException:
                    return
                if answer.status_code != 204:
                    return
                offset = int(answer.headers["Upload-Offset"])
                acknowledged.append(offset)

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    wait_for(lambda: len(acknowledged) >= 8, "eight acknowledged PATCHes")
    server.kill()
    sender.join(timeout=DEADLINE_S)
    assert not sender.is_alive()
    last = acknowledged[-1]

    restarted = live_server_factory({"UPLOAD_FSYNC": "true"})
    location = location.replace(server.base_url, restarted.base_url)
    stored = offset_of(location)
    assert last <= stored < len(data)
    answer = requests.patch(location, data=data[stored:], timeout=60, headers={
        **TUS, "Content-Type": OFFSET_BODY, "Upload-Offset": str(stored)})
    assert answer.status_code == 204, answer.text
    status = video_status(restarted.base_url, session_id, "killed")
    assert status["sha256"] == hashlib.sha256(data).hexdigest()


def raw_patch_start(location: str, offset: int, length: int, first_bytes: bytes,
                    extra: dict | None = None) -> socket.socket:
    """Send a PATCH's headers for ``length`` body bytes and only ``first_bytes`` of the body."""
    url = urlparse(location)
    connection = socket.create_connection((url.hostname, url.port), timeout=DEADLINE_S)
    headers = {**TUS, "Host": url.netloc, "Content-Type": OFFSET_BODY, "Upload-Offset": str(offset),
               "Content-Length": str(length), **(extra or {})}
    head = f"PATCH {url.path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    connection.sendall(head.encode() + first_bytes)
    return connection


def test_patch_cut_off_mid_body_keeps_what_arrived(live_server):
    session_id = new_session(live_server.base_url)
    data = random.Random(9).randbytes(3 * MIB)
    location = create(live_server.base_url, session_id, "cut", len(data))
    connection = raw_patch_start(location, 0, 2 * MIB, data[:MIB])
    connection.close()
    wait_for(lambda: offset_of(location) == MIB, "the arrived MiB to be acknowledged")
    answer = requests.patch(location, data=data[MIB:], timeout=30, headers={
        **TUS, "Content-Type": OFFSET_BODY, "Upload-Offset": str(MIB)})
    assert answer.status_code == 204
    assert video_status(live_server.base_url, session_id, "cut")["sha256"] == hashlib.sha256(data).hexdigest()


def test_a_patch_whose_client_went_silent_ends_and_frees_the_upload(live_server_factory):
    server = live_server_factory({"TUS_IDLE_TIMEOUT": "1s"})
    session_id = new_session(server.base_url)
    data = random.Random(13).randbytes(3 * MIB)
    location = create(server.base_url, session_id, "silent", len(data))
    silent = raw_patch_start(location, 0, 2 * MIB, data[:MIB])  # then nothing, connection open
    try:
        wait_for(lambda: offset_of(location) == MIB, "the silent PATCH to end with what arrived")
        answer = requests.patch(location, data=data[MIB:], timeout=30, headers={
            **TUS, "Content-Type": OFFSET_BODY, "Upload-Offset": str(MIB)})
        assert answer.status_code == 204, answer.text
    finally:
        silent.close()
    status = video_status(server.base_url, session_id, "silent")
    assert status["sha256"] == hashlib.sha256(data).hexdigest()


def test_a_cut_off_patch_with_a_checksum_keeps_nothing(live_server):
    session_id = new_session(live_server.base_url)
    data = random.Random(10).randbytes(2 * MIB)
    location = create(live_server.base_url, session_id, "cut_summed", len(data))
    connection = raw_patch_start(location, 0, len(data), data[:MIB],
                                 {"Upload-Checksum": checksum("sha256", data)})
    connection.shutdown(socket.SHUT_WR)
    connection.settimeout(DEADLINE_S)
    assert connection.recv(4096).startswith(b"HTTP/1.1 460")
    connection.close()
    assert offset_of(location) == 0


def test_two_patches_at_once_cannot_both_append(live_server):
    session_id = new_session(live_server.base_url)
    data = random.Random(11).randbytes(2 * MIB)
    location = create(live_server.base_url, session_id, "raced", len(data))
    first = raw_patch_start(location, 0, MIB, data[:MIB // 2])

    def second_is_locked_out():
        # An empty body with a wrong checksum: if it got the lock it would store nothing (460).
        answer = requests.patch(location, data=b"", timeout=30, headers={
            **TUS, "Content-Type": OFFSET_BODY, "Upload-Offset": "0",
            "Upload-Checksum": checksum("sha1", b"never")})
        assert answer.status_code in (423, 460), answer.text
        return answer.status_code == 423 and answer.json()["code"] == "upload_locked"

    wait_for(second_is_locked_out, "a concurrent PATCH to be refused with 423")
    first.sendall(data[MIB // 2:MIB])
    first.settimeout(DEADLINE_S)
    assert first.recv(4096).startswith(b"HTTP/1.1 204")
    first.close()
    assert offset_of(location) == MIB
    late = requests.patch(location, data=data[:MIB], timeout=30, headers={
        **TUS, "Content-Type": OFFSET_BODY, "Upload-Offset": "0"})
    assert late.status_code == 409 and late.headers["Upload-Offset"] == str(MIB)
