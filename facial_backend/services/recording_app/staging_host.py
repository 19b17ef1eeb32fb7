"""Which DATA_DIR holds a video's staged files, when several hosts share one database.

Every DATA_DIR has a random staging-host id, written once in ``DATA_DIR/.staging/host-id``; a
video's row keeps the id of the DATA_DIR its first staged chunk reached. A chunk that reaches
another DATA_DIR answers 409 ``upload_elsewhere`` with that id (``staging_host``) and stores
nothing; on the DATA_DIR named, staged files that are gone answer 410 ``upload_lost``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from facial_backend.errors import ApiError, Conflict
from facial_backend.models.uploads import Video
from storage.atomicfile import link_into_place

HOST_ID_FILE = Path(".staging") / "host-id"


def host_id(data_dir: str | Path) -> str:
    """This DATA_DIR's staging-host id, made on first use: processes sharing the folder (or
    starting at once) all end up with the first one written."""
    path = Path(data_dir) / HOST_ID_FILE
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".host-id.{secrets.token_hex(8)}.tmp")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_hex(16) + "\n")
        link_into_place(temp, path)  # False when another process wrote it first: then theirs
    finally:
        temp.unlink(missing_ok=True)
    return path.read_text().strip()


def claim(video: Video, data_dir: str | Path) -> None:
    """Let this DATA_DIR stage the video: it names this DATA_DIR, or none yet (then it will).
    Another DATA_DIR's video is refused before anything is written here."""
    here = host_id(data_dir)
    if video.staging_host is None:
        video.staging_host = here
    elif video.staging_host != here:
        raise upload_elsewhere(video)


def is_elsewhere(staged_on: str | None, data_dir: str | Path) -> bool:
    """Whether an upload staged on host ``staged_on`` (None: not recorded) lives on another
    DATA_DIR than ``data_dir``."""
    return staged_on is not None and staged_on != host_id(data_dir)


def upload_elsewhere(video: Video) -> ApiError:
    return Conflict(f"The upload of video {video.video_id} is staged on another host (staging host "
                    f"{video.staging_host}); send its chunks there.", "upload_elsewhere",
                    staging_host=video.staging_host)


def upload_lost(video: Video) -> ApiError:
    return ApiError(410, "upload_lost", f"The staged upload of video {video.video_id} is lost; "
                                        "upload it again under a new video_id.")


def missing_here(video: Video, data_dir: str | Path) -> ApiError:
    """The answer when a file of the video is not on this host: it lives on another one, or
    (on the host that should have it) it is lost."""
    if is_elsewhere(video.staging_host, data_dir):
        return upload_elsewhere(video)
    return upload_lost(video)
