"""Storage keys and file extensions of recordings, built only from validated parts.

The origin took the extension from the client's filename unsanitised (ORIGINS D.3 #4); here
it comes from the allowed content type.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from flask import current_app

# Extensions of the audio types a recording may have (RECORDING_CONTENT_TYPES).
_EXTENSIONS = {
    "audio/m4a": "m4a", "audio/x-m4a": "m4a", "audio/mp4": "m4a", "audio/aac": "aac",
    "audio/mpeg": "mp3", "audio/mp3": "mp3", "audio/wav": "wav", "audio/x-wav": "wav",
    "audio/wave": "wav", "audio/webm": "webm", "audio/ogg": "ogg", "audio/flac": "flac",
}
_SAFE_EXTENSION = re.compile(r"^[a-z0-9]{1,10}$")
ROOT = "recordings"


def normalise_content_type(value: str) -> str:
    """``Audio/M4A`` -> ``audio/m4a`` (types compare case-insensitively, parameters dropped)."""
    return value.split(";", 1)[0].strip().lower()


def allowed_content_type(value: str) -> str | None:
    """The normalised type if RECORDING_CONTENT_TYPES allows it, else None."""
    normalised = normalise_content_type(value)
    return normalised if normalised in current_app.config["RECORDING_CONTENT_TYPES"] else None


def extension_for(content_type: str) -> str:
    """The file extension of an allowed content type; ``bin`` when nothing safe is known."""
    known = _EXTENSIONS.get(content_type)
    if known:
        return known
    subtype = content_type.rpartition("/")[2].removeprefix("x-")
    return subtype if _SAFE_EXTENSION.match(subtype) else "bin"


def recording_key(user_id: str, appointment_id: str | None, visit_id: str | None,
                  content_type: str, now: datetime) -> str:
    """``recordings/<user>/<appointment_<id>|visit_<id>>/<UTC stamp>_<random>.<ext>``.

    ``user_id`` and the references are uuid strings, so every segment is a valid key segment.
    """
    context = f"appointment_{appointment_id}" if appointment_id else f"visit_{visit_id}"
    name = f"{now:%Y%m%d_%H%M%S}_{secrets.token_hex(6)}.{extension_for(content_type)}"
    return f"{ROOT}/{user_id}/{context}/{name}"
