"""glibc malloc settings for a server process that handles bodies of several MiB.

glibc serves every allocation over its mmap threshold (128 KiB at start) with fresh pages
from the kernel and returns them on free, so each 1 MiB request body, and each copy of it,
costs hundreds of page faults. On the virtual machines this service runs on, that is half of
the CPU time of a video chunk upload. Raising the threshold above the largest body the
service holds in memory keeps such blocks in the heap, where freed memory is reused; the
trim threshold bounds how much free heap is kept (multi-MiB segment bodies are handled one at
a time, so the heap's high-water mark stays near one body's worth). Environment variables that
set the same options (``MALLOC_MMAP_THRESHOLD_``, ``MALLOC_TRIM_THRESHOLD_``) take precedence.
"""

from __future__ import annotations

import ctypes
import os

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 1024 * 1024  # above the largest body held in memory (16 MiB)
TRIM_THRESHOLD = 64 * 1024 * 1024  # free heap memory kept for reuse before returning it


def keep_large_blocks_in_heap() -> bool:
    """Apply the settings (glibc only); whether they were applied."""
    if "MALLOC_MMAP_THRESHOLD_" in os.environ or "MALLOC_TRIM_THRESHOLD_" in os.environ:
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
