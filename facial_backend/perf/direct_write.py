"""Writes that go straight to the device (``O_DIRECT``), past the page cache.

A buffered write copies the data into page-cache pages that the kernel must first find. On a
virtual machine that hands free memory back to its host (free page reporting, as Firecracker
and other KVM guests do), those pages fault in the host when first touched again, and the
copy costs milliseconds per MiB instead of tens of microseconds, depending on what the machine
did before. A direct write has the device read from a buffer this process keeps and reuses, so
its cost does not depend on the machine's memory history, and it leaves no dirty pages behind
for a later fsync to wait for.

The device needs the file offset, the length and the buffer's address aligned to its block
size (``ALIGNMENT`` covers every common device). The block-aligned part of a write goes
direct; the rest (the tail of a file's last piece, or a write at an unaligned offset) goes
through the page cache. A file system that refuses ``O_DIRECT`` gets buffered writes only.
The caller still calls ``fdatasync``: the device's own cache and the file's new size are not
durable before it.
"""

from __future__ import annotations

import errno
import fcntl
import mmap
import os

from storage.atomicfile import write_out

ALIGNMENT = 4096
BUFFER_BYTES = 1024 * 1024
_O_DIRECT = getattr(os, "O_DIRECT", 0)

_spare_buffers: list[mmap.mmap] = []
"""Page-aligned buffers not in use; a writing thread takes one (``list.pop`` and ``append``
are atomic under the GIL), so there are as many as writes ever ran at once."""


def open_direct(path: str | os.PathLike, flags: int = os.O_WRONLY | os.O_CREAT,
                mode: int = 0o640) -> int:
    """``os.open`` with ``O_DIRECT`` where the platform and the file system allow it."""
    if _O_DIRECT:
        try:
            return os.open(path, flags | _O_DIRECT | os.O_CLOEXEC, mode)
        except OSError as exc:
            if exc.errno != errno.EINVAL:
                raise
    return os.open(path, flags | os.O_CLOEXEC, mode)


def write_direct(fd: int, data: bytes | memoryview, offset: int) -> None:
    """Write all of ``data`` at ``offset``: the block-aligned part straight to the device when
    ``fd`` was opened by ``open_direct``, the rest through the page cache, its writeback
    started at once."""
    view = memoryview(data).cast("B")
    done = 0
    if offset % ALIGNMENT == 0 and _is_direct(fd):
        done = _write_aligned(fd, view[:len(view) - len(view) % ALIGNMENT], offset)
    if done < len(view):
        _set_direct(fd, False)
        write_out(fd, view[done:], offset + done)


def _is_direct(fd: int) -> bool:
    return bool(_O_DIRECT and fcntl.fcntl(fd, fcntl.F_GETFL) & _O_DIRECT)


def _set_direct(fd: int, on: bool) -> None:
    if _O_DIRECT:
        flags = fcntl.fcntl(fd, fcntl.F_GETFL)
        if bool(flags & _O_DIRECT) != on:
            fcntl.fcntl(fd, fcntl.F_SETFL, flags ^ _O_DIRECT)


def _write_aligned(fd: int, view: memoryview, offset: int) -> int:
    """Write ``view`` (a multiple of ALIGNMENT long) through a page-aligned buffer; returns how
    many bytes went direct (fewer when the device refused or wrote short: the caller writes
    the rest buffered)."""
    try:
        buffer = _spare_buffers.pop()
    except IndexError:
        buffer = mmap.mmap(-1, BUFFER_BYTES)
    window = memoryview(buffer)
    try:
        done = 0
        while done < len(view):
            size = min(BUFFER_BYTES, len(view) - done)
            window[:size] = view[done:done + size]
            try:
                written = os.pwrite(fd, window[:size], offset + done)
            except OSError as exc:
                if exc.errno != errno.EINVAL:  # alignment this device does not take
                    raise
                return done
            done += written
            if written != size:
                return done - done % ALIGNMENT
        return done
    finally:
        window.release()
        _spare_buffers.append(buffer)
