"""Objects as files in a local folder; presigned URLs are served by the web app itself."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from stat import S_ISREG
from typing import BinaryIO
from urllib.parse import quote, urlencode

from storage import signing
from storage.atomicfile import AtomicFile, is_temp_name, link_into_place, move_into_place
from storage.base import (
    CHUNK_SIZE,
    ByteChunks,
    InvalidKey,
    ObjectExists,
    ObjectInfo,
    ObjectNotFound,
    PresignedUpload,
    Storage,
    StorageError,
    check_expires_in,
    check_range,
    check_size_limits,
    is_valid_key,
    read_pieces,
    validate_key,
    validate_prefix,
)
from storage.content_types import guess_content_type

UPLOAD_PATH = "/storage/upload"
DOWNLOAD_PATH = "/storage/objects/"
_MISSING = (FileNotFoundError, NotADirectoryError, IsADirectoryError)


class LocalStorage(Storage):
    """Objects as files at ``root/<key>``, written atomically (see ``AtomicFile``).

    Content types are not stored: they are guessed from the key's extension. Presigned
    uploads POST to ``<base_url>/storage/upload`` and downloads GET
    ``<base_url>/storage/objects/<key>``, both signed with ``signing_key`` (see ``signing``).
    """

    name = "local"
    bucket = signing.LOCAL_BUCKET

    def __init__(self, root: Path, signing_key: bytes, base_url: Callable[[], str]):
        root = Path(root)
        root.mkdir(parents=True, exist_ok=True)
        self.root = root.resolve()
        self._signing_key = signing_key
        self._base_url = base_url

    @property
    def signing_key(self) -> bytes:
        """The key its presigned URLs are signed with (the web layer verifies them with it)."""
        return self._signing_key

    def _path(self, key: str) -> Path:
        """The file for ``key``, refusing any that resolves outside the root (via symlinks)."""
        path = self.root / validate_key(key)
        if not path.resolve().is_relative_to(self.root):
            raise InvalidKey(f"storage key {key!r} leads outside the storage folder")
        return path

    def _info(self, key: str, stat: os.stat_result) -> ObjectInfo:
        return ObjectInfo(
            key=key,
            size=stat.st_size,
            content_type=guess_content_type(key),
            modified=datetime.fromtimestamp(stat.st_mtime, UTC),
        )

    def put_file(
        self,
        key: str,
        path: Path,
        content_type: str | None = None,
        *,
        move: bool = False,
        synced: bool = False,
    ) -> ObjectInfo:
        target = self._path(key)
        if move and os.stat(path).st_dev == self.root.stat().st_dev:
            move_into_place(Path(path), target, synced=synced)
            return self._info(key, target.stat())
        with open(path, "rb") as source, AtomicFile(target) as file:
            for piece in read_pieces(source):
                file.write(piece)
        if move:
            os.unlink(path)
        return self._info(key, target.stat())

    def put_file_once(self, key: str, path: Path, content_type: str | None = None) -> ObjectInfo:
        """Move ``path`` (a file under this store's root) in as ``key`` unless an object is
        already stored there: ObjectExists then, and the stored one stays as it was."""
        target = self._path(key)
        if not link_into_place(Path(path), target):
            raise ObjectExists(f"an object is already stored as {key!r}")
        return self._info(key, target.stat())

    def stale_temporaries(self, changed_before: float) -> list[Path]:
        """Temporary files of atomic writes left by killed processes: last changed before
        ``changed_before`` (seconds since the epoch); a write in progress keeps its file newer."""
        found = []
        for folder, _folders, names in os.walk(self.root):
            for name in filter(is_temp_name, names):
                path = Path(folder) / name
                try:
                    if path.lstat().st_mtime < changed_before:
                        found.append(path)
                except FileNotFoundError:  # its write finished meanwhile
                    continue
        return found

    def put_stream(
        self,
        key: str,
        stream: BinaryIO,
        content_type: str | None = None,
        *,
        max_bytes: int | None = None,
    ) -> ObjectInfo:
        target = self._path(key)
        with AtomicFile(target) as file:
            for piece in read_pieces(stream, max_bytes):
                file.write(piece)
        return self._info(key, target.stat())

    def open(self, key: str, start: int = 0, end: int | None = None) -> ByteChunks:
        check_range(start, end)
        try:
            fd = os.open(self._path(key), os.O_RDONLY | os.O_CLOEXEC)
        except _MISSING:
            raise ObjectNotFound(f"no stored object {key!r}") from None
        stat = os.fstat(fd)
        if not S_ISREG(stat.st_mode):
            os.close(fd)
            raise ObjectNotFound(f"no stored object {key!r}")
        last = stat.st_size - 1 if end is None else min(end, stat.st_size - 1)
        return ByteChunks(_read_range(fd, start, last), lambda: os.close(fd))

    def head(self, key: str) -> ObjectInfo | None:
        try:
            stat = self._path(key).stat()
        except _MISSING:
            return None
        return self._info(key, stat) if S_ISREG(stat.st_mode) else None

    def delete(self, key: str) -> bool:
        try:
            self._path(key).unlink()
        except _MISSING:
            return False
        return True

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        folder, _, name_start = validate_prefix(prefix).rpartition("/")
        directory = self.root / folder
        if not directory.resolve().is_relative_to(self.root):
            raise InvalidKey(f"storage prefix {prefix!r} leads outside the storage folder")
        return self._walk(directory, folder + "/" if folder else "", name_start)

    def _walk(self, directory: Path, key_prefix: str, name_start: str = "") -> Iterator[ObjectInfo]:
        """Yield the objects under ``directory`` in key order, without following symlinks.

        A folder sorts as its name plus ``/``, which puts its keys where they belong among
        its siblings' (``a-b`` < ``a/x`` < ``ab``).
        """
        try:
            with os.scandir(directory) as scan:
                entries = [
                    entry
                    for entry in scan
                    if entry.name.startswith(name_start) and is_valid_key(key_prefix + entry.name)
                ]
        except _MISSING:
            return
        folders = {entry.name for entry in entries if entry.is_dir(follow_symlinks=False)}
        for entry in sorted(entries, key=lambda e: e.name + "/" if e.name in folders else e.name):
            key = key_prefix + entry.name
            if entry.name in folders:
                yield from self._walk(Path(entry.path), key + "/")
            elif entry.is_file(follow_symlinks=False):
                try:
                    yield self._info(key, entry.stat(follow_symlinks=False))
                except FileNotFoundError:
                    continue

    def presigned_upload(
        self,
        key: str,
        content_type: str,
        *,
        max_bytes: int,
        expires_in: int,
        min_bytes: int = 1,
    ) -> PresignedUpload:
        validate_key(key)
        check_expires_in(expires_in)
        check_size_limits(min_bytes, max_bytes)
        policy = signing.make_upload_policy(
            key,
            content_type,
            min_bytes=min_bytes,
            max_bytes=max_bytes,
            expires_in=expires_in,
        )
        fields = {
            "key": key,
            "Content-Type": content_type,
            signing.ENCRYPTION_FIELD: signing.ENCRYPTION,
            "policy": policy,
            "x-amz-algorithm": signing.ALGORITHM,
            "x-amz-signature": signing.sign(policy, self._signing_key),
        }
        url = self._base_url().rstrip("/") + UPLOAD_PATH
        return PresignedUpload(url=url, fields=fields, expires_in=expires_in, max_bytes=max_bytes)

    def presigned_download(
        self,
        key: str,
        *,
        expires_in: int,
        filename: str | None = None,
        content_type: str | None = None,
    ) -> str:
        validate_key(key)
        check_expires_in(expires_in)
        expires = int((datetime.now(UTC) + timedelta(seconds=expires_in)).timestamp())
        query = {"expires": str(expires)}
        if filename:
            query["filename"] = filename
        if content_type:
            query["content_type"] = content_type
        query["signature"] = signing.sign_download(key, expires, filename, content_type, self._signing_key)
        return f"{self._base_url().rstrip('/')}{DOWNLOAD_PATH}{quote(key)}?{urlencode(query)}"

    def local_path(self, key: str) -> Path:
        path = self._path(key)
        if not path.is_file():
            raise ObjectNotFound(f"no stored object {key!r}")
        return path

    def check(self) -> None:
        if not self.root.is_dir() or not os.access(self.root, os.W_OK | os.X_OK):
            raise StorageError(f"the storage folder {self.root} is missing or not writable")

    def time_remote_calls(self, report: Callable[[float], None]) -> None:
        """A local folder makes no remote calls: nothing to report."""


def _read_range(fd: int, start: int, last: int) -> Iterator[bytes]:
    """Yield bytes ``start``..``last`` of an open file."""
    position = start
    while position <= last and (piece := os.pread(fd, min(CHUNK_SIZE, last + 1 - position), position)):
        position += len(piece)
        yield piece
