"""The whole phone flow against a real gunicorn gevent process, with plain ``requests``:
token, initiate, multipart POST to ``upload_url`` (file part last), complete, list, get,
download the bytes back, delete, list again. On S3 (moto's server) and on local storage."""

from __future__ import annotations

import os
import uuid

import psutil
import pytest
import requests

from facial_backend.perf import server_timing
from tests.perf_layer import PERF_LAYER_ON

pytestmark = pytest.mark.live

APPOINTMENT = "123e4567-e89b-12d3-a456-426614174000"
TIMEOUT = 30


def phone_flow(base_url: str, data: bytes) -> tuple[dict, dict[str, dict[str, float]]]:
    """Run the flow; (the initiate answer, the Server-Timing metrics of the upload (when the
    service took it) and of the completion, when the performance layer sends them)."""
    http = requests.Session()
    token = http.post(f"{base_url}/api/v1/auth/token", data={"username": "phone", "password": "phone-pass"},
                      timeout=TIMEOUT)
    assert token.status_code == 200 and token.json()["token_type"] == "bearer"
    http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"

    started = http.post(f"{base_url}/api/v1/recordings/upload/initiate", timeout=TIMEOUT, json={
        "appointment_id": APPOINTMENT, "recording_type": "visit_audio", "filename": "visit.m4a",
        "content_type": "audio/m4a", "estimated_duration_seconds": 61.0})
    assert started.status_code == 200, started.text
    upload = started.json()
    # What a phone does: a fresh client, every field, then the file part last.
    stored = requests.post(upload["upload_url"], data=upload["upload_fields"],
                           files={"file": ("visit.m4a", data, "audio/m4a")}, timeout=TIMEOUT)
    assert stored.status_code == 204, stored.text
    recording_id = upload["recording_id"]
    done = http.post(f"{base_url}/api/v1/recordings/upload/complete/{recording_id}", timeout=TIMEOUT,
                     json={"file_size_bytes": len(data), "duration_seconds": 62.5,
                           "recording_metadata": {"device_model": "iPhone 15 Pro"}})
    assert done.status_code == 200 and done.json()["recording_id"] == recording_id
    timings = {step: server_timing.parse(response.headers["Server-Timing"])
               for step, response in (("complete", done), ("upload", stored))
               if "Server-Timing" in response.headers}

    listed = http.get(f"{base_url}/api/v1/recordings/", timeout=TIMEOUT).json()
    assert [r["id"] for r in listed] == [recording_id]
    got = http.get(f"{base_url}/api/v1/recordings/{recording_id}", timeout=TIMEOUT).json()
    assert got["status"] == "uploaded" and got["file_size_bytes"] == len(data)
    assert got["duration_formatted"] == "01:02"
    link = http.get(f"{base_url}/api/v1/recordings/{recording_id}/download-url", timeout=TIMEOUT).json()
    downloaded = requests.get(link["download_url"], timeout=TIMEOUT)
    assert downloaded.status_code == 200 and downloaded.content == data
    assert http.delete(f"{base_url}/api/v1/recordings/{recording_id}", timeout=TIMEOUT).status_code == 200
    assert http.get(f"{base_url}/api/v1/recordings/", timeout=TIMEOUT).json() == []
    http.close()
    return upload, timings


@pytest.fixture
def phone_user(make_user):
    return make_user("phone", "recorder", password="phone-pass")


def test_phone_flow_on_s3(live_server_factory, moto_endpoint, phone_user):
    bucket = f"rec-{uuid.uuid4().hex[:12]}"
    server = live_server_factory(extra_env={"STORAGE_BACKEND": "s3", "S3_ENDPOINT_URL": moto_endpoint,
                                            "S3_BUCKET": bucket, "S3_CREATE_BUCKET": "true"})
    upload, timings = phone_flow(server.base_url, os.urandom(300_000))
    assert upload["upload_url"] == f"{moto_endpoint}/{bucket}"
    assert upload["bucket"] == bucket
    if PERF_LAYER_ON:  # the completion's HEAD to S3 is timed; the worker's time leaves it out
        complete = timings["complete"]
        assert complete["storage"] > 0 and complete["db"] > 0
        assert 0 < complete["worker"] < complete["total"]


def test_phone_flow_on_local_storage(live_server_factory, app_settings, phone_user):
    server = live_server_factory(extra_env={"STORAGE_BACKEND": "local"})
    data = os.urandom(3 * 1024 * 1024 + 17)
    upload, timings = phone_flow(server.base_url, data)
    assert upload["upload_url"] == f"{server.base_url}/storage/upload"
    assert upload["bucket"] == "local"
    if PERF_LAYER_ON:  # storing the file (fsync, rename) ran in a native thread, in worker time
        stored = timings["upload"]
        assert stored["threads"] > 0 and "storage" not in stored
        assert stored["threads"] <= stored["worker"] <= stored["total"] + 1
    # The file is still there after the soft delete, byte for byte.
    stored_file = os.path.join(app_settings["DATA_DIR"], upload["s3_key"])
    with open(stored_file, "rb") as file:
        assert file.read() == data


def _vm_kib(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field + ":"))


def test_a_large_upload_is_streamed_to_disk_not_held_in_memory(live_server_factory, phone_user):
    """80 MiB sent with chunked transfer encoding: the worker's peak RSS barely moves."""
    server = live_server_factory(extra_env={"STORAGE_BACKEND": "local"})
    http = requests.Session()
    token = http.post(f"{server.base_url}/api/v1/auth/token", timeout=TIMEOUT,
                      data={"username": "phone", "password": "phone-pass"}).json()["access_token"]
    http.headers["Authorization"] = f"Bearer {token}"
    upload = http.post(f"{server.base_url}/api/v1/recordings/upload/initiate", timeout=TIMEOUT,
                       json={"visit_id": APPOINTMENT, "filename": "long.m4a"}).json()
    worker = psutil.Process(server.process.pid).children()[0].pid
    baseline = _vm_kib(worker, "VmRSS")
    block, blocks, boundary = os.urandom(1024 * 1024), 80, "----phone-boundary"

    def body():
        for name, value in upload["upload_fields"].items():
            yield f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        yield (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="long.m4a"\r\n'
               f"Content-Type: audio/m4a\r\n\r\n").encode()
        yield from (block for _ in range(blocks))
        yield f"\r\n--{boundary}--\r\n".encode()

    stored = requests.post(upload["upload_url"], data=body(), timeout=TIMEOUT,
                           headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert stored.status_code == 204, stored.text
    peak_growth_mib = (_vm_kib(worker, "VmHWM") - baseline) / 1024
    assert peak_growth_mib < 32, peak_growth_mib
    done = http.post(f"{server.base_url}/api/v1/recordings/upload/complete/{upload['recording_id']}",
                     json={}, timeout=TIMEOUT)
    assert done.status_code == 200
    got = http.get(f"{server.base_url}/api/v1/recordings/{upload['recording_id']}", timeout=TIMEOUT).json()
    assert got["file_size_bytes"] == blocks * len(block)
    http.close()
