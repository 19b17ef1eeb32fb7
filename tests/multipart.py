"""A multipart/form-data body built by hand, fields in the given order, file parts last
(the way the browser's FormData and a phone's S3 POST send them)."""

from __future__ import annotations

import secrets


def encode_multipart(fields: dict[str, str],
                     files: list[tuple[str, str, bytes, str]] = ()) -> tuple[bytes, str]:
    """Returns (body, content_type); ``files`` holds (field, filename, data, content_type)."""
    boundary = "----form" + secrets.token_hex(12)
    out = bytearray()
    for name, value in fields.items():
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
                f"{value}\r\n").encode()
    for name, filename, data, content_type in files:
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; "
                f"filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n").encode()
        out += data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"
