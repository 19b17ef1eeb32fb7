"""Durable all-or-nothing file writes: a final name only ever names a complete file."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Self

from storage.base import StorageError

_CREATE_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC


_TEMP_NAME = re.compile(r"\..+\.tmp-[0-9a-f]{16}")


@contextmanager
def _as_storage_error(action: str, path: Path) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        raise StorageError(f"cannot {action} {path}: {exc.strerror or exc}") from exc


def _temp_name(final_name: str) -> str:
    """``.<name>.tmp-<random>``: hidden, unique, and within the 255-byte name limit."""
    return f".{final_name[:200]}.tmp-{secrets.token_hex(8)}"


def is_temp_name(name: str) -> bool:
    """The name of an atomic write's temporary file (a process killed mid-write leaves one)."""
    return bool(_TEMP_NAME.fullmatch(name))


def write_out(fd: int, data: bytes, offset: int, *, writeback: bool = True) -> None:
    """Write all of ``data`` at ``offset`` and, with ``writeback``, have the kernel start writing
    it to disk now rather than keep it cached (Linux does so for ``POSIX_FADV_DONTNEED``; macOS
    has no ``posix_fadvise``): a file written piece by piece then waits for little at its
    fsync."""
    view, position = memoryview(data), offset
    while view:
        written = os.pwrite(fd, view, position)
        view, position = view[written:], position + written
    if writeback and hasattr(os, "posix_fadvise"):
        os.posix_fadvise(fd, offset, len(data), os.POSIX_FADV_DONTNEED)


def fsync_dir(directory: Path) -> None:
    """Make the names in ``directory`` (a created or renamed file) survive power loss."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class AtomicFile:
    """A file written under a temporary name in its final folder, renamed into place on commit.

    Use it as a context manager: leaving the block normally commits (fsync of the file,
    ``os.replace``, fsync of the folder); leaving it with an exception removes the temporary
    file. Failures of the file system raise StorageError; nothing else is translated.
    """

    def __init__(self, path: Path):
        self.path = path
        self.temp_path = path.with_name(_temp_name(path.name))
        with _as_storage_error("create a file for", path):
            path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.temp_path, _CREATE_NEW, 0o666)
        self._size = 0

    def write(self, data: bytes) -> None:
        with _as_storage_error("write", self.path):
            write_out(self._fd, data, self._size)
            self._size += len(data)

    def commit(self) -> None:
        try:
            with _as_storage_error("save", self.path):
                os.fsync(self._fd)
                self._close()
                os.replace(self.temp_path, self.path)
                fsync_dir(self.path.parent)
        except BaseException:
            self.discard()
            raise

    def discard(self) -> None:
        self._close()
        self.temp_path.unlink(missing_ok=True)

    def _close(self) -> None:
        if self._fd >= 0:
            fd, self._fd = self._fd, -1
            os.close(fd)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.discard()


def link_into_place(source: Path, path: Path) -> bool:
    """Durably give ``source`` (same file system) the name ``path`` unless ``path`` exists; then
    remove ``source``. False, and nothing changed but ``source`` removed, if ``path`` existed."""
    with _as_storage_error("move a file to", path):
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(source, "rb") as file:
            os.fsync(file.fileno())
        try:
            os.link(source, path)
        except FileExistsError:
            return False
        finally:
            os.unlink(source)
        fsync_dir(path.parent)
        return True


def move_into_place(source: Path, path: Path, *, synced: bool = False) -> None:
    """Durably rename ``source`` (on the same file system) to ``path``; its bytes are synced
    first unless the caller did (``synced``)."""
    with _as_storage_error("move a file to", path):
        path.parent.mkdir(parents=True, exist_ok=True)
        if not synced:
            with open(source, "rb") as file:
                os.fsync(file.fileno())
        os.replace(source, path)
        fsync_dir(path.parent)
