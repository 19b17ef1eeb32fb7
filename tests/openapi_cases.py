"""Example requests of every documented operation, each with the status it must answer.

``World`` holds what the requests refer to (sessions, notes, tokens...); ``CASES`` maps an
operation ``"METHOD /path/{template}"`` to its requests: at least one success, and one error
where the operation documents one.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from werkzeug.test import EnvironBuilder, TestResponse
from werkzeug.wrappers import Request

from tests.multipart import encode_multipart

M4A = b"\x00\x00\x00\x20ftypM4A audio"


@dataclass
class World:
    operator: str = ""
    evaluator: str = ""
    sid: str = ""
    doomed_sid: str = ""
    note_id: str = ""
    task_id: str = ""
    segment_id: str = ""
    object_url: str = ""
    upload_fields: dict[str, str] = field(default_factory=dict)
    recorder: str = ""
    admin: str = ""
    rec_sid: str = ""  # a recording-app session holding the complete video "v"
    recording_id: str = ""  # an iPhone recording whose file is in storage, not yet completed
    tus_id: str = ""  # an unfinished tus upload (10 bytes) of rec_sid's video "t"

    def bearer(self, token: str) -> dict[str, dict[str, str]]:
        return {"headers": {"Authorization": f"Bearer {token}"}}


@dataclass(frozen=True)
class Case:
    url: str  # formatted with the World's attributes
    status: int
    request: Callable[[World], dict[str, Any]] = lambda world: {}

    def send(self, client, method: str, world: World) -> tuple[Request, TestResponse]:
        """The answer, and a copy of the request as sent (its body still readable)."""
        url, request = self.url.format(**vars(world)), self.request(world)
        sent = EnvironBuilder(url, method=method, **request).get_request()
        return sent, client.open(url, method=method, **request)


def _json(body: dict[str, Any], token: str | None = None) -> Callable[[World], dict[str, Any]]:
    def build(world: World) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {getattr(world, token)}"} if token else {}
        return {"json": body, "headers": headers}
    return build


def _form(fields: dict[str, str], files=()) -> Callable[[World], dict[str, Any]]:
    def build(_world: World) -> dict[str, Any]:
        body, content_type = encode_multipart(fields, list(files))
        return {"data": body, "content_type": content_type}
    return build


def _presigned_post(world: World) -> dict[str, Any]:
    body, content_type = encode_multipart(world.upload_fields, [("file", "clip.mp4", b"x" * 64, "video/mp4")])
    return {"data": body, "content_type": content_type}


NOTE = {"timestamp": "2025-01-26T10:32:15Z", "content": "Lane change", "speaker": "driver"}
POINT = {"timestamp": "2025-01-26T10:32:15.120Z", "channel": "speed", "value": 27.4, "unit": "m/s"}
SEGMENT = {"sessionId": "s1", "evaluatorId": "eva", "clientId": "cli", "imageIndex": 3,
           "audioBase64": base64.b64encode(M4A).decode()}
INITIATE = {"appointment_id": "123e4567-e89b-12d3-a456-426614174000", "filename": "memo.m4a",
            "content_type": "audio/m4a"}
RECORDING = "/api/v1/recordings/{recording_id}"
TUS = {"Tus-Resumable": "1.0.0"}


def _tus(offset: int | None = None, data: bytes | None = None) -> Callable[[World], dict[str, Any]]:
    """A tus request; with ``offset`` a PATCH body."""
    def build(_world: World) -> dict[str, Any]:
        if offset is None:
            return {"headers": TUS}
        return {"headers": {**TUS, "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"},
                "data": data}
    return build


def tus_metadata(session_id: str, video_id: str) -> str:
    return ",".join(f"{key} {base64.b64encode(value.encode()).decode()}"
                    for key, value in (("session_id", session_id), ("video_id", video_id)))


def _tus_create(video_id: str, data: bytes) -> Callable[[World], dict[str, Any]]:
    """Create an upload of ``data``'s length, sending ``data`` with it."""
    def build(world: World) -> dict[str, Any]:
        return {"headers": {**TUS, "Upload-Length": str(len(data) or 1),
                            "Upload-Metadata": tus_metadata(world.rec_sid, video_id),
                            "Content-Type": "application/offset+octet-stream"}, "data": data}
    return build


def _chunk(video_id: str, index: int, total: int, data: bytes) -> Callable[[World], dict[str, Any]]:
    def build(world: World) -> dict[str, Any]:
        fields = {"session_id": world.rec_sid, "video_id": video_id, "chunk_index": str(index),
                  "total_chunks": str(total)}
        return _form(fields, [("chunk", f"chunk_{index}", data, "application/octet-stream")])(world)
    return build


def _metadata(world: World) -> dict[str, Any]:
    return {"json": {"session_id": world.rec_sid, "video_id": "v", "prompt_id": "smile", "duration": 4.5}}


def _as(token: str, body: dict[str, Any] | None = None) -> Callable[[World], dict[str, Any]]:
    """The world's ``token`` as bearer, with an optional JSON body."""
    def build(world: World) -> dict[str, Any]:
        request = world.bearer(getattr(world, token))
        return {**request, "json": body} if body is not None else request
    return build


NOTES = "/api/sessions/{sid}/notes"
TELEMETRY = "/api/sessions/{sid}/telemetry"
TASKS = "/api/sessions/{sid}/stt/tasks"

CASES: dict[str, list[Case]] = {
    "GET /": [Case("/", 200)],
    "GET /health": [Case("/health", 200)],
    "GET /health/db": [Case("/health/db", 200)],
    "GET /livez": [Case("/livez", 200)],
    "GET /readyz": [Case("/readyz", 200)],
    "GET /openapi.json": [Case("/openapi.json", 200)],
    "GET /docs": [Case("/docs", 200)],
    "GET /docs/{asset}": [Case("/docs/swagger-ui.css", 200), Case("/docs/nothing.js", 404)],
    "POST /api/auth/login": [
        Case("/api/auth/login", 200, _json({"userId": "eva", "password": "secret-pass"})),
        Case("/api/auth/login", 401, _json({"userId": "eva", "password": "wrong"})),
        Case("/api/auth/login", 400, _json({"userId": "eva"}))],
    "POST /api/v1/auth/token": [
        Case("/api/v1/auth/token", 200, lambda world: {"data": {
            "grant_type": "password", "username": "eva", "password": "secret-pass"}}),
        Case("/api/v1/auth/token", 401, lambda world: {"data": {"username": "eva", "password": "no"}}),
        Case("/api/v1/auth/token", 422, lambda world: {"data": {"username": "eva"}})],
    "POST /api/sessions": [Case("/api/sessions", 200, _json({"name": "Run 2"})),
                           Case("/api/sessions", 422, _json({"name": ""}))],
    "GET /api/sessions": [Case("/api/sessions?kind=all", 200), Case("/api/sessions?limit=0", 422)],
    "GET /api/sessions/{session_id}": [Case("/api/sessions/{sid}", 200),
                                       Case("/api/sessions/sess_nope", 404)],
    "PATCH /api/sessions/{session_id}": [Case("/api/sessions/{sid}", 200, _json({"description": "x"})),
                                         Case("/api/sessions/sess_nope", 404, _json({"name": "x"}))],
    "DELETE /api/sessions/{session_id}": [
        Case("/api/sessions/{doomed_sid}", 200, lambda world: world.bearer(world.operator)),
        Case("/api/sessions/sess_nope", 404, lambda world: world.bearer(world.operator)),
        Case("/api/sessions/{sid}", 401)],
    "POST /api/sessions/{session_id}/notes": [Case(NOTES, 200, _json(NOTE)),
                                              Case("/api/sessions/sess_nope/notes", 404, _json(NOTE))],
    "GET /api/sessions/{session_id}/notes": [Case(NOTES + "?type=observation", 200),
                                             Case(NOTES + "?type=joke", 422)],
    "GET /api/sessions/{session_id}/notes/export": [Case(NOTES + "/export?format=json", 200),
                                                    Case(NOTES + "/export", 200),
                                                    Case("/api/sessions/sess_nope/notes/export", 404)],
    "GET /api/sessions/{session_id}/notes/{note_id}": [Case(NOTES + "/{note_id}", 200),
                                                       Case(NOTES + "/note_nope", 404)],
    "PUT /api/sessions/{session_id}/notes/{note_id}": [
        Case(NOTES + "/{note_id}", 200, _json({"content": "Corrected"})),
        Case(NOTES + "/note_nope", 404, _json({"content": "Corrected"}))],
    "PATCH /api/sessions/{session_id}/notes/{note_id}": [
        Case(NOTES + "/{note_id}", 200, _json({"append_content": "later"})),
        Case(NOTES + "/{note_id}", 422, _json({"append_content": ""}))],
    "DELETE /api/sessions/{session_id}/notes/{note_id}": [Case(NOTES + "/{note_id}", 200),
                                                          Case(NOTES + "/note_nope", 404)],
    "POST /api/sessions/{session_id}/telemetry": [Case(TELEMETRY, 200, _json(POINT)),
                                                  Case(TELEMETRY, 422, _json({"channel": "speed"}))],
    "POST /api/sessions/{session_id}/telemetry/batch": [
        Case(TELEMETRY + "/batch", 200, _json({"data": [POINT, POINT]})),
        Case(TELEMETRY + "/batch", 422, _json({"data": [POINT, {"value": "fast"}]}))],
    "GET /api/sessions/{session_id}/telemetry": [Case(TELEMETRY + "?channel=speed", 200),
                                                 Case("/api/sessions/sess_nope/telemetry", 404)],
    "GET /api/sessions/{session_id}/telemetry/latest": [Case(TELEMETRY + "/latest?channel=speed", 200),
                                                        Case(TELEMETRY + "/latest?channel=none", 404)],
    "GET /api/sessions/{session_id}/telemetry/channels": [
        Case(TELEMETRY + "/channels", 200), Case("/api/sessions/sess_nope/telemetry/channels", 404)],
    "POST /api/sessions/{session_id}/stt/tasks": [
        Case(TASKS, 201, _json({"audio_chunk_id": "chunk-2", "duration_seconds": 1.5})),
        Case("/api/sessions/sess_nope/stt/tasks", 404, _json({"audio_chunk_id": "c"}))],
    "GET /api/sessions/{session_id}/stt/tasks": [Case(TASKS, 200),
                                                 Case("/api/sessions/sess_nope/stt/tasks", 404)],
    "GET /api/sessions/{session_id}/stt/tasks/{task_id}": [Case(TASKS + "/{task_id}", 200),
                                                           Case(TASKS + "/stt_nope", 404)],
    "PUT /api/sessions/{session_id}/stt/tasks/{task_id}": [
        Case(TASKS + "/{task_id}", 200, _json({"status": "done", "transcript": "hello"})),
        Case(TASKS + "/{task_id}", 409, _json({"status": "processing"}))],
    "POST /api/sessions/{session_id}/stt/upload": [
        Case("/api/sessions/{sid}/stt/upload", 201, _form({}, [("file", "a.m4a", M4A, "audio/mp4")])),
        Case("/api/sessions/{sid}/stt/upload", 422, _form({"other": "x"}))],
    "GET /api/clients": [Case("/api/clients?package=socketio", 200), Case("/api/clients?package=fax", 400)],
    "POST /api/presence": [Case("/api/presence", 200, _json({"userId": "cli", "package": "mqtt"})),
                           Case("/api/presence", 403, _json({"userId": "cli", "package": "mqtt"}, "evaluator"))],
    "POST /api/session/segment": [Case("/api/session/segment", 200, _json(SEGMENT)),
                                  Case("/api/session/segment", 400, _json({"imageIndex": -1}))],
    "GET /api/session/segments": [
        Case("/api/session/segments?sessionId=s1", 200, lambda world: world.bearer(world.evaluator)),
        Case("/api/session/segments", 401)],
    "GET /api/session/segments/{segment_id}/audio": [
        Case("/api/session/segments/{segment_id}/audio", 200, lambda world: world.bearer(world.evaluator)),
        Case("/api/session/segments/seg_nope/audio", 404, lambda world: world.bearer(world.evaluator))],
    "POST /storage/upload": [Case("/storage/upload", 204, _presigned_post),
                             Case("/storage/upload", 400, _form({"key": "x"}))],
    "GET /storage/objects/{key}": [Case("{object_url}", 200),
                                   Case("/storage/objects/b.txt?expires=1&signature=x", 403)],
}
# The recording app and the iPhone recordings. clear-all stays the last operation: it removes
# every recording-app session.
CASES.update({
    "POST /api/session/create": [Case("/api/session/create", 201, _json({"participant_id": "p-1"})),
                                 Case("/api/session/create", 400, _json({"video_type": "film"}))],
    "POST /api/upload/chunk": [Case("/api/upload/chunk", 200, _chunk("w", 0, 2, b"first")),
                               Case("/api/upload/chunk", 200, _chunk("v", 0, 1, b"video")),
                               Case("/api/upload/chunk", 400, _form({"session_id": "s"})),
                               Case("/api/upload/chunk", 404, _form(
                                   {"session_id": "nope", "video_id": "v", "chunk_index": "0", "total_chunks": "1"},
                                   [("chunk", "chunk_0", b"x", "application/octet-stream")]))],
    "GET /api/upload/status": [Case("/api/upload/status?session_id={rec_sid}&video_id=v", 200),
                               Case("/api/upload/status?session_id={rec_sid}&video_id=w", 200),
                               Case("/api/upload/status?session_id={rec_sid}&video_id=nope", 404),
                               Case("/api/upload/status?session_id=../x&video_id=v", 400)],
    "POST /api/upload/metadata": [Case("/api/upload/metadata", 200, _metadata),
                                  Case("/api/upload/metadata", 404, _json({"session_id": "nope", "video_id": "v"})),
                                  Case("/api/upload/metadata", 400, _json({"session_id": "s"}))],
    "GET /api/session/{session_id}": [Case("/api/session/{rec_sid}", 200), Case("/api/session/nope", 404)],
    "GET /api/session/{session_id}/videos/{video_id}": [
        Case("/api/session/{rec_sid}/videos/v", 200, _as("operator")),
        Case("/api/session/{rec_sid}/videos/v", 401),
        Case("/api/session/{rec_sid}/videos/nope", 404, _as("operator"))],
    "POST /api/log/client": [Case("/api/log/client", 200, _json({"level": "warn", "message": "retry"})),
                             Case("/api/log/client", 400, _json({"level": "warn"})),
                             Case("/api/log/client", 404, _json({"message": "x", "session_id": "nope"}))],
    "GET /api/log/client/{session_id}": [Case("/api/log/client/{rec_sid}", 200, _as("operator")),
                                         Case("/api/log/client/{rec_sid}", 403, _as("evaluator")),
                                         Case("/api/log/client/nope", 404, _as("operator"))],
    "GET /api/admin/stats": [Case("/api/admin/stats?limit=5", 200, _as("operator")),
                             Case("/api/admin/stats", 401), Case("/api/admin/stats?limit=0", 400, _as("operator"))],
    "POST /api/quality/check": [Case("/api/quality/check", 501, _json({"image": "data:,"}))],
    "POST /api/v1/recordings/upload/initiate": [
        Case("/api/v1/recordings/upload/initiate", 200, _as("recorder", INITIATE)),
        Case("/api/v1/recordings/upload/initiate", 400, _as("recorder", {"filename": "memo.m4a"})),
        Case("/api/v1/recordings/upload/initiate", 401, _json(INITIATE)),
        Case("/api/v1/recordings/upload/initiate", 422, _as("recorder", {**INITIATE, "content_type": "text/x"}))],
    "POST /api/v1/recordings/upload/complete/{recording_id}": [
        Case("/api/v1/recordings/upload/complete/{recording_id}", 200,
             _as("recorder", {"duration_seconds": 2.5, "recording_metadata": {"device_model": "iPhone 15"}})),
        Case("/api/v1/recordings/upload/complete/nope", 404, _as("recorder", {})),
        Case("/api/v1/recordings/upload/complete/{recording_id}", 422, _as("recorder", {"duration_seconds": -1}))],
    "GET /api/v1/recordings/": [Case("/api/v1/recordings/", 200, _as("recorder")),
                                Case("/api/v1/recordings/?limit=0", 422, _as("recorder"))],
    "GET /api/v1/recordings": [Case("/api/v1/recordings?status=uploaded", 200, _as("recorder")),
                               Case("/api/v1/recordings", 401)],
    "GET /api/v1/recordings/{recording_id}": [Case(RECORDING, 200, _as("recorder")),
                                              Case("/api/v1/recordings/nope", 404, _as("recorder"))],
    "GET /api/v1/recordings/{recording_id}/download-url": [
        Case(RECORDING + "/download-url?expires_in=600", 200, _as("recorder")),
        Case(RECORDING + "/download-url?expires_in=5", 422, _as("recorder"))],
    "POST /api/v1/recordings/{recording_id}/transcribe": [
        Case(RECORDING + "/transcribe", 202, _as("recorder")),
        Case("/api/v1/recordings/nope/transcribe", 404, _as("recorder"))],
    "DELETE /api/v1/recordings/{recording_id}": [Case(RECORDING, 200, _as("recorder")),
                                                 Case(RECORDING, 400, _as("recorder"))],
    "OPTIONS /files/": [Case("/files/", 204)],
    "OPTIONS /files/{upload_id}": [Case("/files/{tus_id}", 204)],
    "POST /files/": [Case("/files/", 201, _tus_create("tus_a", b"abc")),
                     Case("/files/", 400, _tus_create("../x", b"")),
                     Case("/files/", 412, lambda world: {"headers": {"Upload-Length": "3"}})],
    # A HEAD answer has no body, so its errors cannot show the error body the document names.
    "HEAD /files/{upload_id}": [Case("/files/{tus_id}", 200, _tus())],
    "PATCH /files/{upload_id}": [Case("/files/{tus_id}", 204, _tus(0, b"01234")),
                                 Case("/files/{tus_id}", 409, _tus(0, b"01234")),
                                 Case("/files/{tus_id}", 415, lambda world: {"headers": TUS, "data": b"x"})],
    "DELETE /files/{upload_id}": [Case("/files/{tus_id}", 204, _tus()), Case("/files/{tus_id}", 404, _tus())],
    "GET /api/sessions/{session_id}/export.zip": [
        Case("/api/sessions/{rec_sid}/export.zip", 200, _as("operator")),
        Case("/api/sessions/{rec_sid}/export.zip", 401)],
    "GET /api/sessions/{session_id}/media": [Case("/api/sessions/{rec_sid}/media", 200, _as("operator")),
                                             Case("/api/sessions/sess_nope/media", 404, _as("operator"))],
    "GET /api/sessions/{session_id}/media/{kind}/{item_id}/link": [
        Case("/api/sessions/{rec_sid}/media/video/v/link", 200, _as("operator")),
        Case("/api/sessions/{rec_sid}/media/video/nope/link", 404, _as("operator"))],
    "GET /metrics": [Case("/metrics", 200, _as("operator")), Case("/metrics", 401)],
    "POST /api/data/clear-all": [Case("/api/data/clear-all", 403, _as("operator", {"confirm": "clear-all"})),
                                 Case("/api/data/clear-all", 400, _as("admin", {})),
                                 Case("/api/data/clear-all", 200, _as("admin", {"confirm": "clear-all"}))],
})
LOCAL_STORAGE_ONLY = {"POST /storage/upload", "GET /storage/objects/{key}",
                      # a redirect to a presigned URL on S3
                      "GET /api/session/{session_id}/videos/{video_id}",
                      "GET /api/session/segments/{segment_id}/audio"}

# Operations whose owners have yet to add their cases here (and body examples to their
# routes). Both sets only shrink: a new operation comes with its cases and example.
AWAITING_CASES: set[str] = set()
AWAITING_EXAMPLES: set[str] = set()
