"""Temporary files of atomic writes to local storage (``session.json`` mirrors, stored files)
that a process killed mid-write left behind: removed by ``flask uploads purge`` once untouched
for UPLOAD_TTL."""

from __future__ import annotations

import time
from pathlib import Path

from flask import current_app

from facial_backend.extensions import get_storage
from storage import LocalStorage


def sweep(now: float | None = None, *, dry_run: bool = False) -> list[Path]:
    """Remove (with ``dry_run``: only list) the stale temporary files; the ones found."""
    storage = get_storage()
    if not isinstance(storage, LocalStorage):
        return []  # object stores write whole objects: nothing is left half-written
    cutoff = (time.time() if now is None else now) - current_app.config["UPLOAD_TTL"]
    stale = storage.stale_temporaries(cutoff)
    if not dry_run:
        for path in stale:
            path.unlink(missing_ok=True)
    return stale
