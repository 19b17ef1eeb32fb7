"""A process's running hash counts only at the revision of the staged file it was made at."""

from __future__ import annotations

import hashlib

from facial_backend.models.uploads import Video
from facial_backend.services.recording_app import running_hashes


def test_a_hash_is_used_once_and_only_at_its_revision():
    video = Video(id=10_001, staging_revision=0)
    running_hashes.changed(video)
    running_hashes.keep(video, hashlib.sha256(b"zero"))
    assert running_hashes.take(video).digest() == hashlib.sha256(b"zero").digest()
    assert running_hashes.take(video) is None

    running_hashes.keep(video, hashlib.sha256(b"zero"))
    # The row as another process's change left it: same video, a revision this one never saw.
    assert running_hashes.take(Video(id=video.id, staging_revision=video.staging_revision + 1)) is None


def test_every_change_draws_a_new_revision():
    video = Video(id=10_002, staging_revision=0)
    revisions = set()
    for _ in range(100):
        running_hashes.changed(video)
        revisions.add(video.staging_revision)
    assert len(revisions) == 100 and all(0 <= r < 2**63 for r in revisions)


def test_the_cache_keeps_the_newest_entries_only():
    videos = [Video(id=20_000 + n, staging_revision=n) for n in range(running_hashes.MAX_ENTRIES + 5)]
    for video in videos:
        running_hashes.keep(video, hashlib.sha256())
    assert all(running_hashes.take(video) is None for video in videos[:5])
    assert all(running_hashes.take(video) is not None for video in videos[5:])
