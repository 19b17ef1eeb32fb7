"""The SHA-256 of each tus upload's first ``offset`` bytes, extended as PATCHes append, so that
completing an upload needs no second read of its file.

A cache of this process only, keyed by upload id and valid for one offset: bytes below an
acknowledged offset never change, so a hash kept after a commit stays right for that offset;
one for another offset (another process appended meanwhile) is not used.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

MAX_ENTRIES = 1024
"""Uploads that stop without completing leave their entry; the oldest go first."""

_hashes: OrderedDict[str, tuple[int, hashlib._Hash]] = OrderedDict()


def take(upload_id: str, offset: int) -> hashlib._Hash | None:
    """The hash of the upload's first ``offset`` bytes, taken out of the cache (a new one at
    offset 0); ``None`` when this process does not have it."""
    entry = _hashes.pop(upload_id, None)
    if offset == 0:
        return hashlib.sha256()
    if entry is None or entry[0] != offset:
        return None
    return entry[1]


def keep(upload_id: str, offset: int, digest: hashlib._Hash) -> None:
    """Remember ``digest`` as the hash of the first ``offset`` bytes (call it after the commit)."""
    _hashes[upload_id] = (offset, digest)
    _hashes.move_to_end(upload_id)
    while len(_hashes) > MAX_ENTRIES:
        _hashes.popitem(last=False)


def forget(upload_id: str) -> None:
    _hashes.pop(upload_id, None)
