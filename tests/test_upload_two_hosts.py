"""Two hosts with their own DATA_DIR share one database: a chunk that reaches the host without
the video's staged files answers 409 ``upload_elsewhere`` naming the host that has them, a
chunk on that host whose staged files are gone answers 410 ``upload_lost``; never a 500, and
the host holding the upload can still finish it."""

from __future__ import annotations

import hashlib
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from facial_backend.extensions import db
from facial_backend.models.uploads import Video
from facial_backend.services.recording_app import staging_host
from tests.multipart import encode_multipart
from tests.recording_app_client import create_session, post_chunk, staging_root

CHUNKS = [bytes([index]) * (1000 + index) for index in range(4)]


def send(base: str, session_id: str, video_id: str, index: int) -> requests.Response:
    body, content_type = encode_multipart(
        {"session_id": session_id, "video_id": video_id, "chunk_index": str(index),
         "total_chunks": str(len(CHUNKS))},
        [("chunk", f"chunk_{index}", CHUNKS[index], "application/octet-stream")])
    return requests.post(f"{base}/api/upload/chunk", data=body, headers={"Content-Type": content_type},
                         timeout=30)


def assert_answer(response: requests.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code and body["error"] and body["request_id"], body
    return body


def host_id_of(data_dir: Path) -> str:
    return (data_dir / ".staging" / "host-id").read_text().strip()


def video_pk(app, session_id: str, video_id: str) -> int:
    with app.app_context():
        return db.session.scalar(db.select(Video.id).filter_by(session_id=session_id, video_id=video_id))


@pytest.mark.live
def test_chunks_on_the_other_host_are_told_where_the_upload_lives(live_server_factory, tmp_path, app):
    dir_a, dir_b = tmp_path / "host_a", tmp_path / "host_b"
    host_a = live_server_factory({"DATA_DIR": str(dir_a)})
    host_b = live_server_factory({"DATA_DIR": str(dir_b)})
    session_id = requests.post(f"{host_a.base_url}/api/session/create", json={}, timeout=30).json()["session_id"]

    for index in (0, 1):
        assert send(host_a.base_url, session_id, "v", index).status_code == 200
    for _attempt in range(2):  # out of order, in order, and their retries
        for index in (3, 2):
            answer = assert_answer(send(host_b.base_url, session_id, "v", index), 409, "upload_elsewhere")
            assert answer["staging_host"] == host_id_of(dir_a)
    assert not (dir_b / ".staging" / "videos").exists() or not any((dir_b / ".staging" / "videos").iterdir())

    assert send(host_a.base_url, session_id, "v", 3).status_code == 200
    done = send(host_a.base_url, session_id, "v", 2)
    assert done.status_code == 200 and done.json()["status"] == "video_complete", done.text
    with app.app_context():
        video = db.session.scalar(db.select(Video).filter_by(session_id=session_id, video_id="v"))
        assert video.status == "complete" and video.staging_host == host_id_of(dir_a)
        assert video.sha256 == hashlib.sha256(b"".join(CHUNKS)).hexdigest()
    late = send(host_b.base_url, session_id, "v", 2)
    if app.config["STORAGE_BACKEND"] == "s3":  # the stored video is readable from every host
        assert late.status_code == 200 and late.json()["status"] == "video_complete", late.text
    else:
        assert_answer(late, 409, "upload_elsewhere")

    # A chunk waiting on host A, then the gap's chunk on host B (this was a 500 on every retry).
    assert send(host_a.base_url, session_id, "w", 1).status_code == 200
    for _attempt in range(2):
        assert_answer(send(host_b.base_url, session_id, "w", 0), 409, "upload_elsewhere")
    # Host A's staged files are gone: host A says lost, host B still says where it was.
    shutil.rmtree(dir_a / ".staging" / "videos" / str(video_pk(app, session_id, "w")))
    for _attempt in range(2):
        assert_answer(send(host_a.base_url, session_id, "w", 0), 410, "upload_lost")
    assert_answer(send(host_b.base_url, session_id, "w", 0), 409, "upload_elsewhere")
    for server in (host_a, host_b):
        assert " 500 " not in server.log_text() and "Traceback" not in server.log_text()


def test_a_lost_waiting_chunk_answers_upload_lost_and_changes_nothing(client, app):
    session_id = create_session(client)
    assert post_chunk(client, session_id, "v", 1, 2, b"second").status_code == 200
    shutil.rmtree(staging_root(app) / str(video_pk(app, session_id, "v")))
    for _attempt in range(2):
        response = post_chunk(client, session_id, "v", 0, 2, b"first")
        assert response.status_code == 410 and response.json["code"] == "upload_lost", response.json
    status = client.get(f"/api/upload/status?session_id={session_id}&video_id=v").json
    assert status["received"] == [1]


def test_each_data_dir_keeps_one_staging_host_id(tmp_path):
    first = staging_host.host_id(tmp_path / "a")
    assert first == staging_host.host_id(tmp_path / "a") == host_id_of(tmp_path / "a")
    assert len(first) == 32 and staging_host.host_id(tmp_path / "b") != first
    assert [path.name for path in (tmp_path / "a" / ".staging").iterdir()] == ["host-id"]


def test_processes_starting_at_once_agree_on_the_staging_host_id(tmp_path):
    with ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(lambda _: staging_host.host_id(tmp_path), range(32), timeout=30))
    assert set(ids) == {host_id_of(tmp_path)}
    assert [path.name for path in (tmp_path / ".staging").iterdir()] == ["host-id"]


def test_a_video_staged_before_hosts_were_recorded_is_claimed_by_its_next_chunk(client, app):
    session_id = create_session(client)
    assert post_chunk(client, session_id, "v", 0, 2, b"first").status_code == 200
    with app.app_context():
        video = db.session.get(Video, video_pk(app, session_id, "v"))
        video.staging_host = None
        db.session.commit()
    assert post_chunk(client, session_id, "v", 1, 2, b"second").json["status"] == "video_complete"
    with app.app_context():
        assert db.session.get(Video, video_pk(app, session_id, "v")).staging_host == \
            staging_host.host_id(app.config["DATA_DIR"])
