"""Temporary files of presigned uploads whose request never finished: a worker killed during an
upload leaves its ``upload-*`` file in the local storage folder's ``INCOMING_FOLDER`` (the
request's own clean-up never ran). Files untouched for UPLOAD_TTL are removed, at start-up and
by ``flask uploads purge``; an upload in progress keeps touching its file.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from flask import current_app

from facial_backend.extensions import get_storage
from facial_backend.services.recordings.presigned_post import INCOMING_FOLDER, TEMP_PREFIX
from storage import LocalStorage


def sweep(now: float | None = None, *, dry_run: bool = False) -> list[Path]:
    """Remove (with ``dry_run``: only list) the stale temporary files; the ones found."""
    storage = get_storage()
    if not isinstance(storage, LocalStorage):
        return []
    cutoff = (time.time() if now is None else now) - current_app.config["UPLOAD_TTL"]
    try:
        entries = list(os.scandir(storage.root / INCOMING_FOLDER))
    except FileNotFoundError:
        return []
    stale = []
    for entry in entries:
        try:
            if not entry.name.startswith(TEMP_PREFIX) or not entry.is_file(follow_symlinks=False) \
                    or entry.stat(follow_symlinks=False).st_mtime >= cutoff:
                continue
            if not dry_run:
                os.unlink(entry.path)
        except FileNotFoundError:  # its request finished meanwhile
            continue
        stale.append(Path(entry.path))
    return stale
