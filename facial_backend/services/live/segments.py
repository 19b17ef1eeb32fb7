"""Audio segments of live sessions: one record per (sessionId, evaluatorId, clientId,
imageIndex), the audio in storage under ``recordings/{sessionId}/{clientId}_{imageIndex}.m4a``,
or, when another evaluator's record already holds that name, under
``recordings/{sessionId}/evaluators/{evaluatorId}/{clientId}_{imageIndex}.m4a``: two records
never share a stored object.
"""

from __future__ import annotations

import binascii
from typing import Any

import pybase64
from flask import current_app
from sqlalchemy.exc import IntegrityError

from facial_backend import blocking_work
from facial_backend.errors import ApiError, BadRequest, NotFound
from facial_backend.extensions import db, get_storage
from facial_backend.ids import new_id
from facial_backend.models.live import LiveSegment
from facial_backend.models.sessions import StudySession
from facial_backend.models.users import User
from facial_backend.realtime import event_bodies, events
from facial_backend.services.live import segment_transcription
from facial_backend.timeutil import utcnow

AUDIO_TYPE = "audio/mp4"
READER_ROLES = ("evaluator", "operator", "admin")


def audio_key(session_id: str, evaluator_id: str, client_id: str, image_index: int) -> str:
    """The usual key when the session and client are known; otherwise one built from every
    part of the record's key, so records never share a file. Parts are validated safe ids."""
    if session_id and client_id:
        return f"recordings/{session_id}/{client_id}_{image_index}.m4a"
    return f"recordings/_unassigned/{evaluator_id or '_'}_{client_id or '_'}_{image_index}.m4a"


def _key_for(parts: tuple[str, str, str, int]) -> str:
    """The record's own key if it has one; the usual key unless another record holds it; else
    a key under the evaluator's own folder (no usual key ends in ``/evaluators``)."""
    session_id, evaluator_id, client_id, index = parts
    existing = _find(*parts)
    if existing is not None and existing.audio_key:
        return existing.audio_key
    key = audio_key(*parts)
    holder = db.session.scalar(db.select(LiveSegment.id).filter_by(audio_key=key).limit(1))
    if holder is None or not (session_id and client_id):
        return key
    return f"recordings/{session_id}/evaluators/{evaluator_id or '_'}/{client_id}_{index}.m4a"


def decode_audio(text: str | bytes | None) -> bytes | None:
    """Strict base64 (SIMD-accelerated: 7 MiB in well under a millisecond); line breaks,
    which some encoders insert, are ignored."""
    if not text:
        return None
    if isinstance(text, str):
        text = text.encode()
    if b"\n" in text or b"\r" in text:
        text = b"".join(text.split())
    try:
        audio = pybase64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest("audioBase64 is not valid base64", "invalid_base64",
                         fields={"audioBase64": ["Not valid base64."]}) from None
    return audio or None


def _parties(data: dict[str, Any], user: User | None) -> tuple[str, str, str]:
    """Session, evaluator and client ids: checked against a known live session and against
    the token's user, missing ones filled from them (``""`` when still unknown)."""
    session_id = data["sessionId"] or ""
    evaluator_id = data["evaluatorId"] or ""
    client_id = data["clientId"] or ""
    if user is not None and user.role == "client":
        client_id = _same(client_id, user.username, "clientId")
    elif user is not None and user.role == "evaluator":
        evaluator_id = _same(evaluator_id, user.username, "evaluatorId")
    session = db.session.get(StudySession, session_id) if session_id else None
    if session is not None and session.kind == "live":
        evaluator_id = _same(evaluator_id, session.evaluator_id, "evaluatorId")
        client_id = _same(client_id, session.client_id, "clientId")
    return session_id, evaluator_id, client_id


def _same(given: str, expected: str | None, field: str) -> str:
    if given and expected and given != expected:
        raise ApiError(403, "wrong_party", f"{field} does not match the session or the token.",
                       fields={field: ["Does not match."]})
    return given or expected or ""


def save_segment(data: dict[str, Any], user: User | None = None) -> LiveSegment:
    """Store (or overwrite) one segment; a retry without audio keeps the stored audio. Once
    stored, ``segment.stored`` tells the session's live-event subscribers."""
    if data["signedUrl"] is None and not data["audioBase64"]:
        raise BadRequest("signedUrl or audioBase64 required", "segment_empty")
    session_id, evaluator_id, client_id = _parties(data, user)
    index = data["imageIndex"]
    blocking_work.pause()  # parsing the body and decoding the audio each hold the loop for a while
    audio = decode_audio(data["audioBase64"])
    blocking_work.pause()
    key = None
    parts = (session_id, evaluator_id, client_id, index)
    if audio is not None:
        key = _key_for(parts)
        storage = get_storage()
        # Atomic: readers see the old or the new file. A local write and its fsync block, so
        # they go to a thread; S3's network I/O already cooperates with the event loop.
        if storage.name == "local":
            blocking_work.run(storage.put_bytes, key, audio, AUDIO_TYPE)
        else:
            storage.put_bytes(key, audio, AUDIO_TYPE)
    try:
        return _upsert(parts, data["signedUrl"], key, audio)
    except IntegrityError:  # a concurrent first copy won the insert: update that one
        db.session.rollback()
        return _upsert(parts, data["signedUrl"], key, audio)


def _upsert(parts: tuple[str, str, str, int], signed_url: str | None, key: str | None,
            audio: bytes | None) -> LiveSegment:
    session_id, evaluator_id, client_id, index = parts
    segment = _find(*parts)
    if segment is None:
        segment = LiveSegment(id=new_id("seg_"), session_id=session_id, evaluator_id=evaluator_id,
                              client_id=client_id, image_index=index, received_at=utcnow())
        db.session.add(segment)
    if signed_url is not None:
        segment.signed_url = signed_url or None  # the origin stores "" as null
    if audio is not None:
        segment.audio_key, segment.audio_size, segment.content_type = key, len(audio), AUDIO_TYPE
    segment.updated_at = utcnow()
    if audio is not None and current_app.config["STT_SEGMENTS"]:
        segment_transcription.queue_transcription(segment)  # commits with the new audio
    db.session.commit()
    if session_id:
        events.publish(session_id, "segment.stored", event_bodies.segment(segment))
    return segment


def _find(session_id: str, evaluator_id: str, client_id: str, index: int) -> LiveSegment | None:
    return db.session.scalar(db.select(LiveSegment).filter_by(
        session_id=session_id, evaluator_id=evaluator_id, client_id=client_id, image_index=index))


def list_segments(user: User, session_id: str | None = None,
                  client_id: str | None = None) -> list[LiveSegment]:
    """In the order first received; an evaluator sees only their own sessions' segments."""
    query = db.select(LiveSegment).order_by(LiveSegment.received_at, LiveSegment.id)
    if user.role == "evaluator":
        query = query.filter_by(evaluator_id=user.username)
    if session_id:
        query = query.filter_by(session_id=session_id)
    if client_id:
        query = query.filter_by(client_id=client_id)
    return list(db.session.scalars(query))


def get_segment(user: User, segment_id: str) -> LiveSegment:
    segment = db.session.get(LiveSegment, segment_id)
    if segment is None or (user.role == "evaluator" and segment.evaluator_id != user.username):
        raise NotFound("Segment not found", "segment_not_found")
    return segment

