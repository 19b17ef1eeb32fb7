"""Two hosts with their own DATA_DIR share one database: a tus PATCH that reaches the host
without the upload's staged bytes answers 409 ``upload_elsewhere`` naming the host that has
them (with the stored ``Upload-Offset``) and stores nothing; HEAD answers on either host; the
host holding the upload finishes it."""

from __future__ import annotations

import hashlib
import random

import pytest
import requests

from tests.tus.test_live import MIB, create, new_session, offset_of, video_status
from tests.tus.tus_client import OFFSET_BODY, TUS

pytestmark = pytest.mark.live


def patch(location: str, offset: int, data: bytes) -> requests.Response:
    return requests.patch(location, data=data, timeout=30, headers={
        **TUS, "Content-Type": OFFSET_BODY, "Upload-Offset": str(offset)})


def test_a_patch_on_the_other_host_is_told_where_the_upload_lives(live_server_factory, tmp_path):
    dir_a, dir_b = tmp_path / "host_a", tmp_path / "host_b"
    host_a = live_server_factory({"DATA_DIR": str(dir_a)})
    host_b = live_server_factory({"DATA_DIR": str(dir_b)})
    session_id = new_session(host_a.base_url)
    data = random.Random(14).randbytes(2 * MIB)
    on_a = create(host_a.base_url, session_id, "two_hosts", len(data))
    assert patch(on_a, 0, data[:MIB]).status_code == 204
    on_b = on_a.replace(host_a.base_url, host_b.base_url)

    assert offset_of(on_b) == MIB
    for offset, piece in ((MIB, data[MIB:]), (MIB, data[MIB:MIB + 10])):  # the last one too
        answer = patch(on_b, offset, piece)
        assert answer.status_code == 409, answer.text
        body = answer.json()
        assert body["code"] == "upload_elsewhere" and answer.headers["Upload-Offset"] == str(MIB)
        assert body["staging_host"] == (dir_a / ".staging" / "host-id").read_text().strip()
    assert offset_of(on_a) == MIB and not (dir_b / ".staging" / "tus").exists()

    assert patch(on_a, MIB, data[MIB:]).status_code == 204
    assert offset_of(on_b) == len(data)
    status = video_status(host_b.base_url, session_id, "two_hosts")
    assert status["status"] == "complete" and status["sha256"] == hashlib.sha256(data).hexdigest()
