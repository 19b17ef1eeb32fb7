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

from facial_backend import blocking_work
from facial_backend.blocking_work import InlineWork
from storage.atomicfile import fsync_dir, write_out

_READ = 1024 * 1024


class StagedFileLost(Exception):
    """The part file is shorter than the chunks acknowledged into it, or a pending chunk's file
    is gone."""


class VideoStaging:
    """Durable writes go the way of ``work`` (default: the current app's ``blocking_work``), which
    is taken here: the writes may run in a thread without the app context."""

    def __init__(self, data_dir: str | Path, video_pk: int, work: InlineWork | None = None):
        self.video_pk = int(video_pk)
        self.folder = _root(data_dir) / str(self.video_pk)
        self.part_path = self.folder / "data.part"
        self._work = work or blocking_work.current()

    @classmethod
    def all_in(cls, data_dir: str | Path) -> list[VideoStaging]:
        """The staged folders under ``data_dir`` (named by video pk)."""
        root = _root(data_dir)
        names = os.listdir(root) if root.is_dir() else []
        return [cls(data_dir, int(name)) for name in names if name.isdigit()]

    def pending_path(self, index: int) -> Path:
        return self.folder / f"chunk_{int(index):06d}"

    def prepare(self, appended_bytes: int, *, durable: bool) -> None:
        """Make the part file exactly ``appended_bytes`` long: bytes past it were written by a
        request that never got acknowledged (the process died before the database commit).
        A shorter file lost acknowledged bytes (StagedFileLost); it is never padded."""
        try:
            fd = os.open(self.part_path, os.O_WRONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            if appended_bytes:
                raise StagedFileLost(self.part_path) from None
            self._create(durable)
            return
        try:
            size = os.fstat(fd).st_size
            if size < appended_bytes:
                raise StagedFileLost(self.part_path)
            if size > appended_bytes:
                os.ftruncate(fd, appended_bytes)
        finally:
            os.close(fd)

    def _create(self, durable: bool) -> None:
        """An empty part file, whose name survives power loss when ``durable``."""
        new_folders = [folder for folder in (self.folder, *self.folder.parents[:2])
                       if not folder.is_dir()]
        self.folder.mkdir(parents=True, exist_ok=True)
        os.close(os.open(self.part_path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o640))
        if durable:
            for folder in (self.folder, *(new.parent for new in new_folders)):
                fsync_dir(folder)

    def changed_at(self) -> float:
        """When the folder's files last changed (epoch seconds); 0 if it is gone."""
        try:
            return max(entry.stat().st_mtime for entry in (self.folder, *self.folder.iterdir()))
        except FileNotFoundError:
            return 0.0

    def part_size(self) -> int | None:
        try:
            return self.part_path.stat().st_size
        except FileNotFoundError:
            return None

    def write_at(self, data: bytes, offset: int, *, fsync: bool,
                 then: Callable[[bytes], object] | None = None) -> None:
        """Write ``data`` at ``offset``, call ``then(data)`` (hashing it, say) and, with
        ``fsync``, make it durable before returning."""
        fd = self._open_for_writing(self.part_path, os.O_WRONLY | os.O_CREAT, fsync)
        try:
            self._write(fd, data, offset, fsync)
            if then is not None:
                then(data)
            if fsync:
                os.fdatasync(fd)
        finally:
            os.close(fd)

    def read_at(self, offset: int, size: int) -> bytes:
        with open(self.part_path, "rb") as handle:
            handle.seek(offset)
            return handle.read(size)

    def write_pending(self, index: int, data: bytes, *, fsync: bool) -> None:
        """Atomically: a pending chunk file is either absent or complete (in the folder that
        ``prepare`` made)."""
        final = self.pending_path(index)
        temp = final.with_name(f".{final.name}.tmp")
        fd = self._open_for_writing(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, fsync)
        try:
            self._write(fd, data, 0, fsync)
            if fsync:
                os.fdatasync(fd)
        finally:
            os.close(fd)
        os.replace(temp, final)
        if fsync:
            fsync_dir(self.folder)

    def read_pending(self, index: int) -> bytes:
        try:
            return self.pending_path(index).read_bytes()
        except FileNotFoundError:
            raise StagedFileLost(self.pending_path(index)) from None

    def sha256(self) -> str:
        digest = hashlib.sha256()
        with open(self.part_path, "rb") as handle:
            while piece := handle.read(_READ):
                digest.update(piece)
        return digest.hexdigest()

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def _open_for_writing(self, path: Path, flags: int, durable: bool) -> int:
        """A durable write may go straight to the device (the performance layer's way): it waits
        for the device anyway, and through the page cache its cost would depend on the
        machine's memory history."""
        if durable:
            return self._work.open_durable(path, flags)
        return os.open(path, flags | os.O_CLOEXEC, 0o640)

    def _write(self, fd: int, data: bytes, offset: int, durable: bool) -> None:
        if durable:
            self._work.write_durable(fd, data, offset)
        else:
            write_out(fd, data, offset, writeback=False)


def _root(data_dir: str | Path) -> Path:
    return Path(data_dir) / ".staging" / "videos"
