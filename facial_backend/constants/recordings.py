"""Content types of iPhone recordings, shared by their schemas and services: the allowed list
is the RECORDING_CONTENT_TYPES setting; each type has a safe file extension."""

from __future__ import annotations

import re

from flask import current_app

# Extensions of the audio types a recording may have.
AUDIO_EXTENSIONS = {
    "audio/m4a": "m4a", "audio/x-m4a": "m4a", "audio/mp4": "m4a", "audio/aac": "aac",
    "audio/mpeg": "mp3", "audio/mp3": "mp3", "audio/wav": "wav", "audio/x-wav": "wav",
    "audio/wave": "wav", "audio/webm": "webm", "audio/ogg": "ogg", "audio/flac": "flac",
}
_SAFE_EXTENSION = re.compile(r"[a-z0-9]{1,10}")  # the whole subtype: fullmatch


def normalise_content_type(value: str) -> str:
    """``Audio/M4A`` -> ``audio/m4a`` (types compare case-insensitively, parameters dropped)."""
    return value.split(";", 1)[0].strip().lower()


def allowed_content_type(value: str) -> str | None:
    """The normalised type if RECORDING_CONTENT_TYPES allows it, else None."""
    normalised = normalise_content_type(value)
    return normalised if normalised in current_app.config["RECORDING_CONTENT_TYPES"] else None


def extension_for(content_type: str) -> str:
    """The file extension of an allowed content type; ``bin`` when nothing safe is known."""
    known = AUDIO_EXTENSIONS.get(content_type)
    if known:
        return known
    subtype = content_type.rpartition("/")[2].removeprefix("x-")
    return subtype if _SAFE_EXTENSION.fullmatch(subtype) else "bin"
