"""Writes straight to the device: what reaches the file, what stays out of the page cache, and
the fallbacks when the file system or the device refuses."""

import ctypes
import ctypes.util
import errno
import fcntl
import mmap
import os
import random
import sys
import threading

import pytest

from facial_backend.perf import direct_write
from facial_backend.perf.direct_write import ALIGNMENT, BUFFER_BYTES, open_direct, write_direct

MiB = 1024 * 1024
O_DIRECT = getattr(os, "O_DIRECT", 0)


def pattern(size: int, seed: int = 0) -> bytes:
    """Random bytes (the same for a seed), so a misplaced piece shows."""
    return random.Random(seed).randbytes(size)


def is_direct(fd: int) -> bool:
    return bool(O_DIRECT and fcntl.fcntl(fd, fcntl.F_GETFL) & O_DIRECT)


def cached_pages(path) -> list[bool]:
    """Which pages of the file are in the page cache (mincore on a mapping that reads none)."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    size = os.path.getsize(path)
    pages = (size + mmap.PAGESIZE - 1) // mmap.PAGESIZE
    with open(path, "rb") as handle:
        mapping = mmap.mmap(handle.fileno(), size, access=mmap.ACCESS_COPY)
    try:
        anchor = ctypes.c_char.from_buffer(mapping)
        vector = (ctypes.c_ubyte * pages)()
        if libc.mincore(ctypes.c_void_p(ctypes.addressof(anchor)), ctypes.c_size_t(size), vector):
            raise OSError(ctypes.get_errno(), "mincore")
        del anchor
        return [bool(page & 1) for page in vector]
    finally:
        mapping.close()


@pytest.fixture
def path(tmp_path):
    target = tmp_path / "data.part"
    if not O_DIRECT:
        pytest.skip("no O_DIRECT on this platform")
    try:
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | O_DIRECT))
    except OSError:
        pytest.skip("the test folder's file system refuses O_DIRECT")
    return target


def write_with(path, data: bytes, offset: int = 0) -> None:
    fd = open_direct(path)
    try:
        write_direct(fd, data, offset)
        os.fdatasync(fd)
    finally:
        os.close(fd)


def test_an_aligned_write_reaches_the_file_without_entering_the_page_cache(path):
    data = pattern(3 * MiB)

    write_with(path, data)

    assert sys.platform != "linux" or not any(cached_pages(path))
    assert path.read_bytes() == data


def test_an_unaligned_tail_is_written_through_the_page_cache(path):
    data = pattern(MiB + 100)

    write_with(path, data)

    if sys.platform == "linux":
        assert not any(cached_pages(path)[:MiB // mmap.PAGESIZE])
    assert path.read_bytes() == data


def test_a_write_at_an_unaligned_offset_keeps_what_is_before_it(path):
    head, rest = pattern(1000, seed=1), pattern(2 * MiB, seed=2)
    write_with(path, head)

    write_with(path, rest, offset=len(head))

    assert path.read_bytes() == head + rest


def test_a_write_larger_than_the_buffer_goes_in_pieces_in_order(path):
    data = pattern(2 * BUFFER_BYTES + 3 * ALIGNMENT + 17)

    write_with(path, data, offset=ALIGNMENT)

    assert path.read_bytes() == bytes(ALIGNMENT) + data


def test_sequential_writes_reuse_one_buffer(path):
    spares = len(direct_write._spare_buffers)

    for index in range(8):
        write_with(path, pattern(MiB, seed=index), offset=index * MiB)

    assert len(direct_write._spare_buffers) == max(spares, 1)


def test_writers_at_once_each_get_a_buffer_and_every_piece_lands(path):
    pieces = [pattern(MiB, seed=index) for index in range(8)]
    spares = len(direct_write._spare_buffers)
    fd = open_direct(path)
    errors = []

    def write(index):
        try:
            write_direct(fd, pieces[index], index * MiB)
        except OSError as exc:  # reported below: a thread's exception would be lost
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(index,)) for index in range(8)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        os.fdatasync(fd)
    finally:
        os.close(fd)

    assert errors == []
    assert path.read_bytes() == b"".join(pieces)
    assert spares <= len(direct_write._spare_buffers) <= max(spares, 8)


def test_a_file_system_that_refuses_o_direct_gets_buffered_writes(path, monkeypatch):
    real_open = os.open

    def refusing_open(file, flags, *args):
        if flags & O_DIRECT:
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_open(file, flags, *args)

    monkeypatch.setattr(os, "open", refusing_open)
    fd = open_direct(path)
    try:
        assert not is_direct(fd)
        write_direct(fd, pattern(MiB), 0)
    finally:
        os.close(fd)

    assert path.read_bytes() == pattern(MiB)


def test_a_device_that_refuses_the_alignment_gets_the_rest_buffered(path, monkeypatch):
    real_pwrite = os.pwrite

    def refusing_pwrite(fd, data, offset):
        if is_direct(fd):
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_pwrite(fd, data, offset)

    monkeypatch.setattr(os, "pwrite", refusing_pwrite)

    write_with(path, pattern(2 * MiB))

    assert path.read_bytes() == pattern(2 * MiB)


def test_other_failures_are_raised(path):
    fd = open_direct(path, os.O_RDONLY)
    try:
        with pytest.raises(OSError) as failure:
            write_direct(fd, pattern(MiB), 0)
    finally:
        os.close(fd)

    assert failure.value.errno == errno.EBADF
