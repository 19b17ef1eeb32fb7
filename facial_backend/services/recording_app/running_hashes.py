"""The SHA-256 of each video's staged file, extended as chunks are appended, so that completing
a video needs no second read of the file.

A cache of this process only. An entry counts for the ``staging_revision`` of the video row it
was made at; every change to the staged file, by a request of any process, draws a new
revision (``changed``), so a hash that missed a change is never used: the caller hashes the
file instead. Revisions are random, not counted: two requests that each changed the file from
the same revision, one of them rolled back, never end at the same number.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import OrderedDict

from facial_backend.models.uploads import Video

MAX_ENTRIES = 1024
"""Uploads that stop without completing leave their entry; the oldest go first."""

_hashes: OrderedDict[int, tuple[hashlib._Hash, int]] = OrderedDict()


def take(video: Video) -> hashlib._Hash | None:
    """The hash of the video's staged file as its row describes it, taken out of the cache;
    ``None`` when this process does not have it."""
    entry = _hashes.pop(video.id, None)
    if entry is None or entry[1] != video.staging_revision:
        return None
    return entry[0]


def keep(video: Video, digest: hashlib._Hash) -> None:
    """Remember ``digest`` as the hash of the staged file at the video's current revision."""
    _hashes[video.id] = (digest, video.staging_revision)
    _hashes.move_to_end(video.id)
    while len(_hashes) > MAX_ENTRIES:
        _hashes.popitem(last=False)


def changed(video: Video) -> None:
    """Record a change to the video's staged file: a new revision, and this process's hash of
    the file is dropped (``keep`` it again when it covers the change)."""
    _hashes.pop(video.id, None)
    video.staging_revision = secrets.randbits(62)
