"""Binary streams for the storage tests, shaped like a request body read from a socket."""

import hashlib
import random

MiB = 1024 * 1024


class StreamBroke(Exception):
    """Raised by a GeneratedStream told to fail part way."""


class GeneratedStream:
    """``size`` reproducible pseudo-random bytes, never all in memory, from a stream that
    cannot seek and gives short reads (at most ``max_read`` bytes each).

    ``sha256`` is the digest of all the bytes; ``largest_request`` the largest size a reader
    asked for. With ``fail_after`` it raises StreamBroke once that many bytes were read.
    """

    def __init__(self, size, *, seed=0, max_read=300 * 1024, fail_after=None):
        digest = hashlib.sha256()
        generator = random.Random(seed)
        for done in range(0, size, MiB):
            digest.update(generator.randbytes(min(MiB, size - done)))
        self.sha256 = digest.hexdigest()
        self.largest_request = 0
        self._random = random.Random(seed)
        self._pending = b""
        self._remaining = size
        self._sent = 0
        self._max_read = max_read
        self._fail_after = fail_after

    def read(self, size=-1):
        if size is None or size < 0:
            raise AssertionError("the whole stream was asked for at once")
        self.largest_request = max(self.largest_request, size)
        if self._fail_after is not None and self._sent >= self._fail_after:
            raise StreamBroke(f"the connection broke after {self._sent} bytes")
        if not self._pending and self._remaining:
            self._pending = self._random.randbytes(min(MiB, self._remaining))
            self._remaining -= len(self._pending)
        data, self._pending = (
            self._pending[: min(size, self._max_read)],
            self._pending[min(size, self._max_read) :],
        )
        self._sent += len(data)
        return data


def sha256_of(pieces):
    digest = hashlib.sha256()
    for piece in pieces:
        digest.update(piece)
    return digest.hexdigest()
