"""Real ids for the path parameters of generated requests, so that they reach past the
"unknown id" 404: a testbed session with a note and a transcription task, a recording-app
session with a stored video, a live segment, an iPhone recording and an unfinished tus
upload, made anew for every generated request (it may delete or end them)."""

from __future__ import annotations

from dataclasses import dataclass

from tests.multipart import encode_multipart
from tests.openapi_cases import INITIATE, NOTE, POINT, SEGMENT, tus_metadata

VIDEO_ID = "v"


@dataclass(frozen=True)
class Accounts:
    """Bearer tokens of the roles the world's objects belong to."""

    admin: str
    evaluator: str
    recorder: str


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_world(client, accounts: Accounts) -> dict[str, dict[str, str]]:
    """Path parameter values by path family: ``"recording_app"`` for ``/api/session/...``
    and ``/api/log/client/...`` (the browser app's session), ``"api"`` for the rest."""
    sid = client.post("/api/sessions", json={"name": "Run 1"}).json["id"]
    note_id = client.post(f"/api/sessions/{sid}/notes", json=NOTE).json["id"]
    client.post(f"/api/sessions/{sid}/telemetry", json=POINT)
    task_id = client.post(f"/api/sessions/{sid}/stt/tasks", json={"audio_chunk_id": "chunk-1"}).json["id"]
    segment_id = client.post("/api/session/segment", json=SEGMENT,
                             headers=bearer(accounts.evaluator)).json["segmentId"]
    rec_sid = client.post("/api/session/create", json={}).json["session_id"]
    _upload_video(client, rec_sid)
    recording_id = client.post("/api/v1/recordings/upload/initiate", json=INITIATE,
                               headers=bearer(accounts.recorder)).json["recording_id"]
    created = client.post("/files/", headers={"Tus-Resumable": "1.0.0", "Upload-Length": "10",
                                              "Upload-Metadata": tus_metadata(rec_sid, "t")})
    shared = {"note_id": note_id, "task_id": task_id, "segment_id": segment_id,
              "recording_id": recording_id, "upload_id": created.headers["Location"].rsplit("/", 1)[1],
              "video_id": VIDEO_ID, "username": "ada"}
    return {"api": {**shared, "session_id": sid}, "recording_app": {**shared, "session_id": rec_sid}}


def family(path: str) -> str:
    return "recording_app" if path.startswith(("/api/session/", "/api/log/client/")) else "api"


def _upload_video(client, session_id: str) -> None:
    """Video ``v`` of the session, complete in one 1-byte chunk."""
    fields = {"session_id": session_id, "video_id": VIDEO_ID, "chunk_index": "0", "total_chunks": "1"}
    body, content_type = encode_multipart(fields, [("chunk", "chunk_0", b"\x00", "application/octet-stream")])
    client.post("/api/upload/chunk", data=body, content_type=content_type)
