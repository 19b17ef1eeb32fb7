"""The recording app's requests, as its uploader.js sends them, through Flask's test client."""

from __future__ import annotations

from pathlib import Path

from tests.multipart import encode_multipart

MIB = 1024 * 1024


def create_session(client, **body) -> str:
    response = client.post("/api/session/create", json=body)
    assert response.status_code == 201, response.json
    return response.json["session_id"]


def post_chunk(client, session_id, video_id, index, total, data: bytes | None, **extra):
    fields = {"session_id": session_id, "video_id": video_id, "chunk_index": str(index),
              "total_chunks": str(total), **extra}
    files = [] if data is None else [("chunk", f"chunk_{index}", data, "application/octet-stream")]
    body, content_type = encode_multipart(fields, files)
    return client.post("/api/upload/chunk", data=body, content_type=content_type)


def upload_status(client, session_id, video_id) -> dict:
    return client.get(f"/api/upload/status?session_id={session_id}&video_id={video_id}").json


def chunks_of(data: bytes, size: int) -> list[bytes]:
    return [data[i:i + size] for i in range(0, len(data), size)]


def stored_video(app, session_id, video_id, ext="webm") -> bytes:
    storage = app.extensions["storage"]
    return b"".join(storage.open(f"facial_recordings/{session_id}/{video_id}.{ext}"))


def staging_root(app) -> Path:
    return Path(app.config["DATA_DIR"]) / ".staging" / "videos"
