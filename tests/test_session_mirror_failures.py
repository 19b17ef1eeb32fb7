"""The recording app's mirrors (``session.json``, ``<video_id>.metadata.json``) are best effort:
a store that hangs, refuses or fails a write never changes an answer or leaves a half-done
write; the session's next write repairs a stale ``session.json``, and a clear-all that S3
interrupted is finished by its retry."""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from pathlib import Path

import pytest

from facial_backend import blocking_work, create_app
from facial_backend.blocking_work import InlineWork
from facial_backend.extensions import db
from facial_backend.models.sessions import StudySession
from facial_backend.models.uploads import Video
from facial_backend.schemas.recording_app_operations import CLEAR_ALL_CONFIRMATION
from tests.conftest import _empty_tables
from tests.recording_app_client import MIB, create_session, post_chunk, stored_video
from tests.storage.test_s3_unavailable import hung_endpoint, refused_endpoint  # noqa: F401 (fixtures)

BOUND_SECONDS = 10  # far above the configured 0.5 s x 1 attempt per call, far below a hang
UNREACHABLE_S3 = {"STORAGE_BACKEND": "s3", "S3_CREATE_BUCKET": "false", "S3_CONNECT_TIMEOUT": "0.5s",
                  "S3_READ_TIMEOUT": "0.5s", "S3_MAX_ATTEMPTS": "1"}


@pytest.fixture
def make_app():
    """Apps on the test database; their tables are emptied and engines closed at the end."""
    apps = []

    def make(settings: dict[str, str]):
        apps.append(create_app({**settings, "TESTING": True, "REDIS_URL": None}))
        return apps[-1]
    yield make
    for index, app in enumerate(apps):
        with app.app_context():
            db.session.remove()
            if index == 0:
                _empty_tables()
            db.engine.dispose()


def _mirror(app, session_id: str) -> dict:
    return json.loads(app.extensions["storage"].read_bytes(f"facial_recordings/{session_id}/session.json"))


def _metadata(session_id: str, video_id: str, **fields) -> dict:
    return {"session_id": session_id, "video_id": video_id, **fields}


@pytest.mark.parametrize("endpoint_fixture", ["hung_endpoint", "refused_endpoint"])
def test_create_and_metadata_answer_from_the_rows_when_s3_is_unreachable(
        request, endpoint_fixture, app_settings, aws_credentials, make_app):
    app = make_app({**app_settings, **UNREACHABLE_S3, "S3_BUCKET": "unreachable",
                    "S3_ENDPOINT_URL": request.getfixturevalue(endpoint_fixture)})
    client = app.test_client()

    began = time.monotonic()
    created = client.post("/api/session/create", json={"participant_id": "p-1"})
    assert time.monotonic() - began < BOUND_SECONDS
    assert created.status_code == 201, created.get_data(as_text=True)
    session_id = created.json["session_id"]

    began = time.monotonic()
    saved = client.post("/api/upload/metadata", json=_metadata(session_id, "video_1", prompt_id="smile"))
    assert time.monotonic() - began < BOUND_SECONDS
    assert saved.status_code == 200, saved.get_data(as_text=True)

    session = client.get(f"/api/session/{session_id}").json
    assert session["participant_id"] == "p-1"
    assert [(v["video_id"], v["prompt_id"]) for v in session["videos"]] == [("video_1", "smile")]
    with app.app_context():  # one session: the answer was the truth, nothing to retry
        assert db.session.scalar(db.select(db.func.count()).select_from(StudySession)) == 1


def test_a_failing_local_write_changes_no_answer_and_the_next_write_repairs_session_json(
        app_settings, make_app, caplog):
    app = make_app({**app_settings, "STORAGE_BACKEND": "local"})
    logging.getLogger().addHandler(caplog.handler)  # the app replaced the root logger's handlers
    client = app.test_client()
    media_root = Path(app.config["LOCAL_STORAGE_ROOT"]) / "facial_recordings"
    media_root.parent.mkdir(parents=True, exist_ok=True)
    media_root.write_bytes(b"")  # a file where the folder should be: every mirror write fails

    session_id = create_session(client, participant_id="p-2")
    assert client.get(f"/api/session/{session_id}").status_code == 200
    assert any(record.levelname == "WARNING" and f"session.json of recording session {session_id}"
               in record.getMessage() for record in caplog.records)

    media_root.unlink()
    (media_root / session_id / "session.json").mkdir(parents=True)  # this file alone fails now
    data = os.urandom(MIB + 5)
    assert post_chunk(client, session_id, "video_1", 0, 2, data[:MIB]).status_code == 200
    completed = post_chunk(client, session_id, "video_1", 1, 2, data[MIB:])
    assert completed.status_code == 200 and completed.json["status"] == "video_complete"
    assert stored_video(app, session_id, "video_1") == data
    saved = client.post("/api/upload/metadata", json=_metadata(session_id, "video_1", duration=4.5))
    assert saved.status_code == 200
    assert json.loads((media_root / session_id / "video_1.metadata.json").read_bytes())["duration"] == 4.5

    (media_root / session_id / "session.json").rmdir()
    assert client.post("/api/upload/metadata",
                       json=_metadata(session_id, "video_2", prompt_id="blink")).status_code == 200
    mirror = _mirror(app, session_id)
    assert mirror == client.get(f"/api/session/{session_id}").json
    assert {(v["video_id"], v["status"]) for v in mirror["videos"]} == {("video_1", "complete"),
                                                                       ("video_2", "receiving")}
    assert mirror["videos"][0]["duration"] == 4.5


def test_a_clear_all_that_s3_interrupted_is_finished_by_its_retry(
        app_settings, moto_endpoint, refused_endpoint, make_app, make_user):  # noqa: F811
    store = {**app_settings, "STORAGE_BACKEND": "s3", "S3_ENDPOINT_URL": moto_endpoint,
             "S3_BUCKET": f"test-{uuid.uuid4().hex[:12]}", "S3_CREATE_BUCKET": "true"}
    working = make_app(store)
    client = working.test_client()
    sessions = [create_session(client) for _ in range(3)]
    for session_id in sessions:
        assert post_chunk(client, session_id, "video_1", 0, 1, b"video").status_code == 200
    _, token = make_user("boss", "admin")
    headers = {"Authorization": f"Bearer {token}"}
    confirm = {"confirm": CLEAR_ALL_CONFIRMATION}

    down = make_app({**store, **UNREACHABLE_S3, "S3_ENDPOINT_URL": refused_endpoint})
    interrupted = down.test_client().post("/api/data/clear-all", json=confirm, headers=headers)
    assert interrupted.status_code == 503, interrupted.get_data(as_text=True)
    assert interrupted.json["code"] == "storage_unavailable" and "request_id" in interrupted.json
    with working.app_context():  # every session is whole or gone with its rows
        for session_id in sessions:
            session = db.session.get(StudySession, session_id)
            videos = db.session.scalars(db.select(Video).filter_by(session_id=session_id)).all()
            assert (session is None and not videos) or [v.status for v in videos] == ["complete"]
        db.session.rollback()

    retried = client.post("/api/data/clear-all", json=confirm, headers=headers)
    assert retried.status_code == 200, retried.get_data(as_text=True)
    with working.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(StudySession)) == 0
        assert list(working.extensions["storage"].list("")) == []


class RecordedWork(InlineWork):
    """The plain way, noting what it was given to run."""

    def __init__(self) -> None:
        self.ran: list[tuple[str, tuple]] = []

    def run(self, func, *args):
        self.ran.append((func.__name__, args))
        return func(*args)


def test_the_mirror_writes_are_blocking_work(app):
    work = RecordedWork()
    blocking_work.install(app, work)
    client = app.test_client()
    session_id = create_session(client)
    assert client.post("/api/upload/metadata", json=_metadata(session_id, "video_1")).status_code == 200
    written = [args[0] for name, args in work.ran if name == "put_bytes"]
    folder = f"facial_recordings/{session_id}"
    assert written == [f"{folder}/session.json", f"{folder}/video_1.metadata.json", f"{folder}/session.json"]
