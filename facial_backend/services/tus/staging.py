"""The staged file of one tus upload, under ``DATA_DIR/.staging/tus/<upload id>/``.

``data.part`` holds the upload's bytes; only its first ``offset`` bytes (the database row's)
were acknowledged: anything past them was written by a request that died before its commit
and is cut off by ``prepare``. ``lock`` is taken with ``flock`` by the one request that may
change the folder (any process on this machine): a second one is told at once, never queued.
Folder names are server-made upload ids, never client strings.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from facial_backend.blocking_work import InlineWork
from storage.atomicfile import fsync_dir, write_out

_READ = 1024 * 1024


class StagedFileLost(Exception):
    """The part file is missing or shorter than the bytes acknowledged into it."""


class UploadBusy(Exception):
    """Another request holds the upload's lock."""


class TusStaging:
    def __init__(self, data_dir: str | Path, upload_id: str, work: InlineWork):
        self.folder = root(data_dir) / upload_id
        self.part_path = self.folder / "data.part"
        self._lock_path = self.folder / "lock"
        self._work = work

    @classmethod
    def all_in(cls, data_dir: str | Path, work: InlineWork) -> list[TusStaging]:
        folder = root(data_dir)
        names = os.listdir(folder) if folder.is_dir() else []
        return [cls(data_dir, name, work) for name in names if name.isalnum()]

    def create(self, *, durable: bool) -> None:
        """An empty part file, whose name survives power loss when ``durable``."""
        new = [folder for folder in (self.folder, *self.folder.parents[:3]) if not folder.is_dir()]
        self.folder.mkdir(parents=True, exist_ok=True)
        os.close(os.open(self.part_path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o640))
        if durable:
            for folder in (self.folder, *(made.parent for made in new)):
                fsync_dir(folder)

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the upload's lock (UploadBusy when another request has it; StagedFileLost when
        the folder is gone)."""
        try:
            fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o640)
        except FileNotFoundError:
            raise StagedFileLost(self.folder) from None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                    raise UploadBusy(self.folder) from None
                raise
            yield
        finally:
            os.close(fd)

    def part_size(self) -> int | None:
        try:
            return self.part_path.stat().st_size
        except FileNotFoundError:
            return None

    def prepare(self, offset: int) -> None:
        """Make the part file exactly ``offset`` bytes long (StagedFileLost when shorter)."""
        size = self.part_size()
        if size is None or size < offset:
            raise StagedFileLost(self.part_path)
        if size > offset:
            os.truncate(self.part_path, offset)

    def write_at(self, data: bytes | memoryview, offset: int, hashes: tuple, *, durable: bool) -> None:
        """Write ``data`` at ``offset`` and feed it to each of ``hashes``; with ``durable``,
        on the device before returning. Runs in a thread: touches no app state."""
        fd = (self._work.open_durable(self.part_path, os.O_WRONLY) if durable
              else os.open(self.part_path, os.O_WRONLY | os.O_CLOEXEC))
        try:
            if durable:
                self._work.write_durable(fd, data, offset)
            else:
                write_out(fd, data, offset, writeback=False)
            for digest in hashes:
                digest.update(data)
            if durable:
                os.fdatasync(fd)
        finally:
            os.close(fd)

    def sha256(self) -> hashlib._Hash:
        digest = hashlib.sha256()
        with open(self.part_path, "rb") as handle:
            while piece := handle.read(_READ):
                digest.update(piece)
        return digest

    def changed_at(self) -> float:
        """When the folder's files last changed (epoch seconds); 0 if it is gone."""
        try:
            return max(entry.stat().st_mtime for entry in (self.folder, *self.folder.iterdir()))
        except FileNotFoundError:
            return 0.0

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def root(data_dir: str | Path) -> Path:
    return Path(data_dir) / ".staging" / "tus"
