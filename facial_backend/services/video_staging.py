"""Files of one video while it is being uploaded, under ``DATA_DIR/.staging/videos/<pk>/``.

``data.part`` holds the chunks that arrived in order, appended at known offsets; a chunk that
arrives ahead of a gap waits in ``chunk_<index>`` until the gap is filled. Folder names are
database keys, never client strings.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from storage.atomicfile import write_out

_READ = 1024 * 1024


class VideoStaging:
    def __init__(self, data_dir: str | Path, video_pk: int):
        self.folder = Path(data_dir) / ".staging" / "videos" / str(int(video_pk))
        self.part_path = self.folder / "data.part"

    def pending_path(self, index: int) -> Path:
        return self.folder / f"chunk_{int(index):06d}"

    def prepare(self, appended_bytes: int) -> None:
        """Make the part file exactly ``appended_bytes`` long: bytes past it were written by a
        request that never got acknowledged (the process died before the database commit)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.part_path, os.O_WRONLY | os.O_CREAT, 0o640)
        try:
            if os.fstat(fd).st_size != appended_bytes:
                os.ftruncate(fd, appended_bytes)
        finally:
            os.close(fd)

    def part_size(self) -> int | None:
        try:
            return self.part_path.stat().st_size
        except FileNotFoundError:
            return None

    def write_at(self, data: bytes, offset: int, *, fsync: bool,
                 meanwhile: Callable[[bytes], object] | None = None) -> None:
        """Write ``data`` at ``offset``. ``meanwhile(data)`` runs once the bytes are with the
        kernel and, with ``fsync``, their writeback has begun (``POSIX_FADV_DONTNEED`` on
        Linux), so work such as hashing them overlaps the disk write instead of adding to it."""
        fd = os.open(self.part_path, os.O_WRONLY | os.O_CREAT, 0o640)
        try:
            write_out(fd, data, offset, writeback=fsync)
            if meanwhile is not None:
                meanwhile(data)
            if fsync:
                os.fdatasync(fd)
        finally:
            os.close(fd)

    def read_at(self, offset: int, size: int) -> bytes:
        with open(self.part_path, "rb") as handle:
            handle.seek(offset)
            return handle.read(size)

    def truncate(self, size: int) -> None:
        os.truncate(self.part_path, size)

    def write_pending(self, index: int, data: bytes, *, fsync: bool) -> None:
        """Atomically: a pending chunk file is either absent or complete."""
        self.folder.mkdir(parents=True, exist_ok=True)
        final = self.pending_path(index)
        temp = final.with_name(f".{final.name}.tmp")
        with open(temp, "wb") as handle:
            handle.write(data)
            if fsync:
                handle.flush()
                os.fdatasync(handle.fileno())
        os.replace(temp, final)

    def read_pending(self, index: int) -> bytes:
        return self.pending_path(index).read_bytes()

    def sha256(self) -> str:
        digest = hashlib.sha256()
        with open(self.part_path, "rb") as handle:
            while piece := handle.read(_READ):
                digest.update(piece)
        return digest.hexdigest()

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
