"""What the tus 1.0.0 protocol fixes: version, extensions, checksum algorithms, the headers a
browser must be allowed to read, and the parsing of ``Upload-Metadata`` and ``Upload-Checksum``.

A metadata value must be base64 of UTF-8 text; keys are unique and hold no space or comma.
A checksum names an algorithm this server knows and carries a digest of that algorithm's size.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from facial_backend.errors import ApiError, BadRequest

VERSION = "1.0.0"
EXTENSIONS = ("creation", "creation-with-upload", "creation-defer-length", "termination",
              "expiration", "checksum")
CHECKSUM_ALGORITHMS = ("sha1", "sha256")
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"
# Response headers a browser client reads (CORS hides every other one).
EXPOSED_HEADERS = ("Location", "Upload-Offset", "Upload-Length", "Upload-Defer-Length",
                   "Upload-Metadata", "Upload-Expires", "Tus-Resumable", "Tus-Version",
                   "Tus-Extension", "Tus-Max-Size", "Tus-Checksum-Algorithm")
CHECKSUM_MISMATCH = 460
_METADATA_KEY = re.compile(r"[^\s,]+")  # the whole key: fullmatch


def version_error() -> ApiError:
    return ApiError(412, "tus_version_unsupported",
                    f"Tus-Resumable must be {VERSION}, the only version this server speaks.",
                    fields={"Tus-Resumable": [f"Must be {VERSION}."]},
                    headers={"Tus-Version": VERSION})


def parse_metadata(header: str | None) -> dict[str, str]:
    """``key base64,key2 base64`` -> ``{key: text}``; a key alone stands for an empty value."""
    metadata: dict[str, str] = {}
    if not header or not header.strip():
        return metadata
    for pair in header.split(","):
        key, _, encoded = pair.strip().partition(" ")
        if not _METADATA_KEY.fullmatch(key):
            raise _metadata_error("Upload-Metadata", "Each pair is a key without spaces or commas, "
                                                     "a space and a base64 value.")
        if key in metadata:
            raise _metadata_error(key, "Given twice.")
        metadata[key] = _decode_value(key, encoded.strip())
    return metadata


def _decode_value(key: str, encoded: str) -> str:
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise _metadata_error(key, "Not base64.") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _metadata_error(key, "Not base64 of UTF-8 text.") from None
    if "\x00" in text:
        raise _metadata_error(key, "Must not contain the NUL character.")
    return text


def _metadata_error(name: str, reason: str) -> ApiError:
    return BadRequest(f"Upload-Metadata: {name}: {reason}", "invalid_upload_metadata",
                      fields={f"Upload-Metadata.{name}": [reason]})


@dataclass(frozen=True)
class Checksum:
    """The ``Upload-Checksum`` of one PATCH: the body's digest by ``algorithm``."""

    algorithm: str
    digest: bytes

    def new_hash(self):
        return hashlib.new(self.algorithm)


def parse_checksum(header: str | None) -> Checksum | None:
    if header is None:
        return None
    algorithm, _, encoded = header.strip().partition(" ")
    algorithm = algorithm.lower()
    if algorithm not in CHECKSUM_ALGORITHMS:
        raise BadRequest(f"Upload-Checksum: the algorithm must be one of {', '.join(CHECKSUM_ALGORITHMS)}.",
                         "checksum_algorithm_unsupported",
                         fields={"Upload-Checksum": [f"Unsupported algorithm {algorithm[:20]!r}."]})
    try:
        digest = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        digest = b""
    if len(digest) != hashlib.new(algorithm).digest_size:
        raise BadRequest(f"Upload-Checksum: the {algorithm} digest must be base64 of "
                         f"{hashlib.new(algorithm).digest_size} bytes.", "invalid_upload_checksum",
                         fields={"Upload-Checksum": ["Not a base64 digest of the algorithm's size."]})
    return Checksum(algorithm, digest)


def checksum_mismatch(algorithm: str) -> ApiError:
    return ApiError(CHECKSUM_MISMATCH, "checksum_mismatch",
                    f"The body's {algorithm} does not match Upload-Checksum; nothing of it was kept.",
                    fields={"Upload-Checksum": ["Does not match the body."]})
