"""The PERF_LAYER switch: on, the app reads bodies, offloads blocking work, writes durable
files and times requests the performance layer's way; off, it is stock Flask doing everything
in place, and the same upload gives the same stored bytes."""

from __future__ import annotations

import base64
import fcntl
import hashlib
import os

import flask
import pytest

from facial_backend import blocking_work, create_app
from facial_backend.extensions import db
from facial_backend.perf.offloaded_work import OffloadedWork
from facial_backend.perf.request_class import ServiceRequest
from tests.conftest import _empty_tables
from tests.recording_app_client import MIB, create_session, post_chunk, stored_video, upload_status

O_DIRECT = getattr(os, "O_DIRECT", 0)


@pytest.fixture(params=["true", "false"], ids=["layer-on", "layer-off"])
def switched_app(request, app_settings):
    app = create_app({**app_settings, "TESTING": True, "REDIS_URL": None, "UPLOAD_FSYNC": "true",
                      "PERF_LAYER": request.param})
    yield app
    with app.app_context():
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


def test_the_switch_installs_the_layer_or_nothing(switched_app):
    on = switched_app.config["PERF_LAYER"]
    assert (switched_app.request_class is ServiceRequest) is on
    assert (switched_app.request_class is flask.Request) is not on
    with switched_app.app_context():
        work = blocking_work.current()
    assert isinstance(work, OffloadedWork) if on else work is blocking_work.INLINE
    response = switched_app.test_client().get("/livez")
    assert ("Server-Timing" in response.headers) is on


def test_durable_writes_go_direct_only_with_the_layer(switched_app, tmp_path):
    if not O_DIRECT:
        pytest.skip("no O_DIRECT on this platform")
    with switched_app.app_context():
        fd = blocking_work.current().open_durable(tmp_path / "file", os.O_WRONLY | os.O_CREAT)
    try:
        direct = bool(fcntl.fcntl(fd, fcntl.F_GETFL) & O_DIRECT)
    finally:
        os.close(fd)
    if switched_app.config["PERF_LAYER"]:
        assert direct or not _file_system_takes_o_direct(tmp_path)
    else:
        assert not direct


def _file_system_takes_o_direct(folder) -> bool:
    try:
        os.close(os.open(folder / "probe", os.O_WRONLY | os.O_CREAT | O_DIRECT))
    except OSError:
        return False
    return True


def test_a_chunked_upload_stores_the_same_bytes_either_way(switched_app):
    client = switched_app.test_client()
    data = os.urandom(3 * MIB + 5)
    session_id = create_session(client)
    pieces = [data[i:i + MIB] for i in range(0, len(data), MIB)]
    for index in (0, 2, 1, 3):  # one out of order: it waits in its own file
        response = post_chunk(client, session_id, "v1", index, len(pieces), pieces[index])
        assert response.status_code == 200, response.json
    assert response.json["status"] == "video_complete"
    assert upload_status(client, session_id, "v1")["sha256"] == hashlib.sha256(data).hexdigest()
    assert stored_video(switched_app, session_id, "v1") == data


def test_a_segment_body_is_read_the_same_either_way(switched_app):
    audio = os.urandom(300_000)
    body = {"sessionId": "s1", "evaluatorId": "ev", "clientId": "cl", "imageIndex": 1,
            "audioBase64": base64.b64encode(audio).decode(), "signedUrl": None}
    response = switched_app.test_client().post("/api/session/segment", json=body)
    assert response.status_code == 200, response.json
    stored = switched_app.extensions["storage"].read_bytes("recordings/s1/cl_1.m4a")
    assert stored == audio
