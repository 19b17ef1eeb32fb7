"""Storage keys of recordings, built only from validated parts.

The extension never comes from the client's filename: it comes from the allowed content type.
"""

from __future__ import annotations

import secrets
from datetime import datetime

# Also re-exported: the testbed's STT routes import them from here.
from facial_backend.constants.recordings import allowed_content_type, extension_for

__all__ = ["ROOT", "allowed_content_type", "extension_for", "recording_key"]

ROOT = "recordings"


def recording_key(user_id: str, appointment_id: str | None, visit_id: str | None,
                  content_type: str, now: datetime) -> str:
    """``recordings/<user>/<appointment_<id>|visit_<id>>/<UTC stamp>_<random>.<ext>``.

    ``user_id`` and the references are uuid strings, so every segment is a valid key segment.
    """
    context = f"appointment_{appointment_id}" if appointment_id else f"visit_{visit_id}"
    name = f"{now:%Y%m%d_%H%M%S}_{secrets.token_hex(6)}.{extension_for(content_type)}"
    return f"{ROOT}/{user_id}/{context}/{name}"
