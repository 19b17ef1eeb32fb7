"""Pages only admins may open; anyone else gets the 404 page (the page does not exist for them)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import g

from facial_backend.errors import NotFound


def admin_only(view: Callable) -> Callable:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any):
        if g.console_user.role != "admin":
            raise NotFound("There is no console page at this address.")
        return view(*args, **kwargs)
    return wrapper
