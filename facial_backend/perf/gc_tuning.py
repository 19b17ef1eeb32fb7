"""Keep the objects a serving process starts with out of the garbage collector's full passes.

A worker holds a few hundred thousand objects from start-up (modules, the app, its schemas and
templates) that live as long as the process. Python's oldest-generation collection walks all of
them, and a request that allocates a lot (a 400 KB console page) triggers one every few
requests: a 100-200 ms pause in that request, the whole tail of the page's latency. Frozen
once the app is built, they are never walked again; what requests create is still collected.
Only for a process that serves the app (``wsgi.py``), never for one that builds many apps.
"""

from __future__ import annotations

import gc


def freeze_startup_objects() -> int:
    """Collect what start-up left behind, then freeze the survivors; how many were frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
