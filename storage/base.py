"""The storage interface every backend implements, its value types, errors and key rules."""

from __future__ import annotations

import abc
import io
import pathlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO, Self

CHUNK_SIZE = 1024 * 1024
"""Largest piece read from an incoming stream or yielded by ``Storage.open``."""

MAX_KEY_LENGTH = 1024
_SEGMENT = r"[A-Za-z0-9_][A-Za-z0-9._-]{0,254}"
_SEGMENT_RE = re.compile(_SEGMENT)
_KEY_RE = re.compile(rf"{_SEGMENT}(?:/{_SEGMENT})*")


class StorageError(Exception):
    """The store failed or refused an operation."""


class StorageUnavailable(StorageError):
    """The store could not be reached or did not answer in time; the same call may work later."""


class ObjectNotFound(StorageError):
    """No object is stored under the key."""


class ObjectExists(StorageError):
    """An object is already stored under the key and the call may not replace it."""


class InvalidKey(StorageError, ValueError):
    """The key breaks the key rules (see ``validate_key``) or leads outside the store."""


class TooLarge(StorageError):
    """A stream was longer than the ``max_bytes`` it was allowed; nothing was stored."""


@dataclass(frozen=True)
class ObjectInfo:
    """What the store knows about one object; ``modified`` is an aware UTC datetime."""

    key: str
    size: int
    content_type: str | None
    modified: datetime
    etag: str | None = None


@dataclass(frozen=True)
class PresignedUpload:
    """Where and how a client POSTs a file straight to the store (an S3 presigned POST).

    The client sends every entry of ``fields`` as a form field, then the file part last.
    """

    url: str
    fields: dict[str, str]
    expires_in: int
    max_bytes: int


def is_valid_key(key: object) -> bool:
    return isinstance(key, str) and len(key) <= MAX_KEY_LENGTH and bool(_KEY_RE.fullmatch(key))


def validate_key(key: str) -> str:
    """Return ``key`` if it is a valid object key, else raise InvalidKey saying why.

    A key is a relative ``/``-separated path of at most 1024 characters. Each segment is
    1-255 characters of ``A-Z a-z 0-9 . _ -`` and does not start with ``.`` or ``-``
    (so ``.``, ``..``, hidden names, empty segments, NUL and backslashes are all refused).
    """
    if is_valid_key(key):
        return key
    raise InvalidKey(f"invalid storage key {key!r}: {_key_problem(key)}")


def validate_prefix(prefix: str) -> str:
    """Return ``prefix`` if it is ``""`` or the start of a valid key (a trailing ``/`` is allowed)."""
    if prefix == "":
        return prefix
    stem = prefix.removesuffix("/") if isinstance(prefix, str) else prefix
    if not is_valid_key(stem):
        raise InvalidKey(f"invalid storage prefix {prefix!r}: {_key_problem(stem)}")
    return prefix


def _key_problem(key: object) -> str:
    if not isinstance(key, str):
        return "not a string"
    if not key:
        return "it is empty"
    if len(key) > MAX_KEY_LENGTH:
        return f"longer than {MAX_KEY_LENGTH} characters"
    if key.startswith("/") or key.endswith("/"):
        return "it must not start or end with '/'"
    return _segment_problem(next(s for s in key.split("/") if not _SEGMENT_RE.fullmatch(s)))


def _segment_problem(segment: str) -> str:
    if not segment:
        return "it contains an empty segment ('//')"
    if segment in (".", ".."):
        return f"it contains the segment {segment!r}"
    if len(segment) > 255:
        return "a segment is longer than 255 characters"
    if not _SEGMENT_RE.fullmatch(segment[0]):
        return f"segment {segment!r} starts with {segment[0]!r}"
    bad = next(char for char in segment if not re.fullmatch(r"[A-Za-z0-9._-]", char))
    return f"segment {segment!r} contains the character {bad!r}"


def check_range(start: int, end: int | None) -> None:
    if start < 0 or (end is not None and end < start):
        raise ValueError(f"invalid byte range {start}-{'' if end is None else end}")


def check_expires_in(expires_in: int) -> None:
    if expires_in <= 0:
        raise ValueError(f"expires_in must be positive, got {expires_in}")


def check_size_limits(min_bytes: int, max_bytes: int) -> None:
    if not 0 <= min_bytes <= max_bytes:
        raise ValueError(f"need 0 <= min_bytes <= max_bytes, got {min_bytes} and {max_bytes}")


def read_pieces(stream: BinaryIO, max_bytes: int | None = None) -> Iterator[bytes]:
    """Yield a binary stream's content in pieces of at most CHUNK_SIZE bytes.

    Raises TooLarge as soon as more than ``max_bytes`` bytes have been read.
    """
    total = 0
    while piece := stream.read(CHUNK_SIZE):
        total += len(piece)
        if max_bytes is not None and total > max_bytes:
            raise TooLarge(f"the stream is longer than the allowed {max_bytes} bytes")
        yield piece


class ByteChunks(Iterator[bytes]):
    """The pieces of one object being read (from ``Storage.open``).

    The underlying file or connection is released when the pieces run out, when reading
    fails, or on ``close()``; close it (or use ``with``) when stopping early.
    """

    def __init__(self, pieces: Iterator[bytes], close: Callable[[], None]):
        self._pieces = pieces
        self._close: Callable[[], None] | None = close

    def __next__(self) -> bytes:
        try:
            return next(self._pieces)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Release the source (once, however often it is called)."""
        close, self._close = self._close, None
        if close is not None:
            close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class Storage(abc.ABC):
    """A flat store of objects addressed by keys (see ``validate_key``).

    Every method validates its key and raises InvalidKey for a bad one.
    """

    name: str
    """``"local"`` or ``"s3"``."""
    bucket: str | None

    @abc.abstractmethod
    def put_file(
        self,
        key: str,
        path: pathlib.Path,
        content_type: str | None = None,
        *,
        move: bool = False,
        synced: bool = False,
    ) -> ObjectInfo:
        """Store the file at ``path``. With ``move=True`` the file is consumed: it is gone
        afterwards (moved into place when the store can, else uploaded and removed).
        ``synced``: the caller made the file's bytes durable already, so a move into place
        makes only the new name durable."""

    @abc.abstractmethod
    def put_stream(
        self,
        key: str,
        stream: BinaryIO,
        content_type: str | None = None,
        *,
        max_bytes: int | None = None,
    ) -> ObjectInfo:
        """Store what a binary stream yields, read in pieces, never whole in memory.

        Raises TooLarge, storing nothing, if the stream is longer than ``max_bytes``.
        Errors raised by the stream itself propagate unchanged, storing nothing.
        """

    def put_bytes(self, key: str, data: bytes, content_type: str | None = None) -> ObjectInfo:
        return self.put_stream(key, io.BytesIO(data), content_type)

    @abc.abstractmethod
    def open(self, key: str, start: int = 0, end: int | None = None) -> ByteChunks:
        """Return the bytes ``start`` to ``end`` inclusive (``end=None``: to the last byte)
        in pieces of at most CHUNK_SIZE.

        ``end`` past the last byte is clamped; ``start`` past it gives no bytes.
        Raises ObjectNotFound at once if there is no such object, ValueError for a
        negative start or an end before start.
        """

    def read_bytes(self, key: str) -> bytes:
        """Return a whole (small) object."""
        return b"".join(self.open(key))

    @abc.abstractmethod
    def head(self, key: str) -> ObjectInfo | None:
        """Describe the object, or return None if there is none."""

    @abc.abstractmethod
    def delete(self, key: str) -> bool:
        """Remove the object; return whether there was one."""

    @abc.abstractmethod
    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        """Describe every object whose key starts with ``prefix`` (a plain string prefix:
        ``"a/b"`` matches ``a/b/c`` and ``a/bc``), sorted by key.

        Entries may have ``content_type=None`` where the store does not report it in
        listings (S3). Stored names that are not valid keys are skipped.
        """

    @abc.abstractmethod
    def presigned_upload(
        self,
        key: str,
        content_type: str,
        *,
        max_bytes: int,
        expires_in: int,
        min_bytes: int = 1,
    ) -> PresignedUpload:
        """Let a client POST one file of ``min_bytes``..``max_bytes`` bytes and exactly
        ``content_type`` to ``key`` within ``expires_in`` seconds, server-side encrypted."""

    @abc.abstractmethod
    def presigned_download(
        self,
        key: str,
        *,
        expires_in: int,
        filename: str | None = None,
        content_type: str | None = None,
    ) -> str:
        """Return a URL that serves the object for ``expires_in`` seconds, as an attachment
        named ``filename`` and with ``content_type`` when they are given."""

    @abc.abstractmethod
    def local_path(self, key: str) -> pathlib.Path | None:
        """Return the file holding the object when the store is a local folder (raising
        ObjectNotFound if there is none), or None when objects are not local files."""

    @abc.abstractmethod
    def check(self) -> None:
        """Raise StorageError if the store cannot be used (for readiness probes)."""

    @abc.abstractmethod
    def time_remote_calls(self, report: Callable[[float], None]) -> None:
        """Call ``report(seconds)`` after every request this store makes to a remote server
        (a local folder makes none)."""
