"""Per-route request body size limits."""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import request

# Room for the multipart envelope and form fields around a file part of a known maximum size.
MULTIPART_OVERHEAD = 64 * 1024


def max_body(limit: int | Callable[[], int]) -> Callable:
    """Raise or lower the body size limit for one route (a number or a callable read per request).

    Place it above ``@bp.arguments`` so the limit is set before the body is read."""
    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            request.max_content_length = limit() if callable(limit) else limit
            return view(*args, **kwargs)
        return wrapper
    return decorator
