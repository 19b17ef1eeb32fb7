"""Small helpers that speak tus to the Flask test client: headers, metadata, one call each."""

from __future__ import annotations

import base64
import hashlib

TUS = {"Tus-Resumable": "1.0.0"}
OFFSET_BODY = "application/offset+octet-stream"


def metadata(**values: str) -> str:
    return ",".join(f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in values.items())


def checksum(algorithm: str, data: bytes) -> str:
    return f"{algorithm} {base64.b64encode(hashlib.new(algorithm, data).digest()).decode()}"


def create(client, length: int | None, meta: str | None, *, body: bytes | None = None,
           headers: dict | None = None):
    sent = {**TUS, **(headers or {})}
    if length is None:
        sent["Upload-Defer-Length"] = "1"
    else:
        sent["Upload-Length"] = str(length)
    if meta is not None:
        sent["Upload-Metadata"] = meta
    if body is not None:
        sent["Content-Type"] = OFFSET_BODY
    return client.post("/files/", headers=sent, data=body)


def patch(client, location: str, offset: int, data: bytes, *, headers: dict | None = None):
    return client.patch(location, data=data,
                        headers={**TUS, "Content-Type": OFFSET_BODY, "Upload-Offset": str(offset),
                                 **(headers or {})})


def head(client, location: str, headers: dict | None = None):
    return client.head(location, headers={**TUS, **(headers or {})})


def new_session(client) -> str:
    response = client.post("/api/session/create", json={})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["session_id"]


def video_metadata(session_id: str, video_id: str = "video_1", filename: str = "clip.webm") -> str:
    return metadata(session_id=session_id, video_id=video_id, filename=filename, filetype="video/webm")
