"""Content types guessed from a key's extension, the same on every machine."""

import mimetypes

# Python's built-in table only (no /etc/mime.types, which differs between machines), plus
# the recorded media it lacks; it already maps .webm to video/webm and .mp4 to video/mp4.
_TYPES = mimetypes.MimeTypes()
for _type, _extension in [
    ("audio/mp4", ".m4a"),
    ("audio/webm", ".weba"),
    ("audio/ogg", ".ogg"),
    ("audio/wav", ".wav"),
]:
    _TYPES.add_type(_type, _extension)


def guess_content_type(key: str) -> str | None:
    """Return the content type for the key's extension, or None when it is unknown."""
    return _TYPES.guess_type(key, strict=False)[0]
