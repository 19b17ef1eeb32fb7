"""The staged files of one video: the part file kept to exactly its acknowledged length."""

from __future__ import annotations

import os

import pytest

from facial_backend.services.recording_app.video_staging import StagedFileLost, VideoStaging


@pytest.mark.parametrize("durable", [True, False])
def test_prepare_creates_cuts_and_never_pads(tmp_path, durable):
    staging = VideoStaging(tmp_path, 7)
    staging.prepare(0, durable=durable)
    assert staging.part_size() == 0
    staging.write_at(b"acknowledged" + b"unacknowledged", 0, fsync=durable)
    staging.prepare(len(b"acknowledged"), durable=durable)
    assert staging.read_at(0, 100) == b"acknowledged"
    with pytest.raises(StagedFileLost):
        staging.prepare(100, durable=durable)
    assert staging.part_size() == len(b"acknowledged")
    staging.part_path.unlink()
    with pytest.raises(StagedFileLost):
        staging.prepare(5, durable=durable)
    assert staging.part_size() is None


def test_pending_chunks_and_hash(tmp_path):
    staging = VideoStaging(tmp_path, 8)
    staging.prepare(0, durable=False)
    staging.write_pending(3, b"three", fsync=True)
    staging.write_pending(3, b"THREE!", fsync=False)
    assert staging.read_pending(3) == b"THREE!"
    assert sorted(p.name for p in staging.folder.iterdir()) == ["chunk_000003", "data.part"]
    staging.write_at(b"abc", 0, fsync=False)
    assert staging.sha256() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_all_in_lists_folders_by_pk_and_changed_at_follows_their_files(tmp_path):
    assert VideoStaging.all_in(tmp_path) == []
    for pk in (3, 11):
        VideoStaging(tmp_path, pk).prepare(0, durable=False)
    (tmp_path / ".staging" / "videos" / "not-a-pk").mkdir()
    assert sorted(s.video_pk for s in VideoStaging.all_in(tmp_path)) == [3, 11]
    staging = VideoStaging(tmp_path, 3)
    for path in (staging.part_path, staging.folder):
        os.utime(path, (1_000, 1_000))
    assert staging.changed_at() == 1_000
    os.utime(staging.part_path, (2_000, 2_000))
    assert staging.changed_at() == 2_000
    staging.remove()
    assert staging.changed_at() == 0.0
