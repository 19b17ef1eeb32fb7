"""Rows for console tests, written through the models as the services would leave them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from facial_backend.extensions import db
from facial_backend.ids import new_id, new_uuid
from facial_backend.models import (
    LiveSegment,
    Note,
    Recording,
    SttTask,
    StudySession,
    TelemetryChannel,
    TelemetryPoint,
    Video,
)

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PASSWORD = "console-pass-1"
PEOPLE = (("admin1", "admin"), ("operator1", "operator"), ("evaluator1", "evaluator"),
          ("recorder1", "recorder"), ("recorder2", "recorder"), ("client1", "client"))


def session(kind: str, started: datetime, **fields) -> StudySession:
    row = StudySession(id=fields.pop("id", new_id("sess_")), kind=kind, status=fields.pop("status", "active"),
                       started_at=started, updated_at=started, **fields)
    db.session.add(row)
    return row


def note(session_id: str, at: datetime, content: str, kind: str = "observation") -> Note:
    row = Note(id=new_id("note_"), session_id=session_id, timestamp=at, content=content, type=kind,
               tags=["t1"], created_at=at, updated_at=at)
    db.session.add(row)
    return row


def telemetry(session_id: str, channel: str, values: list[float], start: datetime) -> None:
    db.session.add(TelemetryChannel(session_id=session_id, channel=channel))
    db.session.add_all(TelemetryPoint(id=new_id("tel_"), session_id=session_id, channel=channel, unit="bpm",
                                      value=value, timestamp=start + timedelta(seconds=i))
                       for i, value in enumerate(values))


def video(session_id: str, video_id: str, at: datetime, size: int, status: str = "complete") -> Video:
    row = Video(session_id=session_id, video_id=video_id, file_extension="webm", total_chunks=1,
                status=status, received_chunks=1, size=size, created_at=at, updated_at=at)
    db.session.add(row)
    return row


def segment(session_id: str, index: int, at: datetime, size: int, transcript: str | None = None) -> LiveSegment:
    row = LiveSegment(id=new_id("seg_"), session_id=session_id, evaluator_id="evaluator1", client_id="client1",
                      image_index=index, signed_url=f"https://images.example/{index}.jpg",
                      audio_key=f"live/{session_id}/{index}.m4a", audio_size=size, content_type="audio/mp4",
                      transcript_status="done" if transcript else None, transcript_text=transcript,
                      received_at=at, updated_at=at)
    db.session.add(row)
    return row


def recording(owner_id: str, at: datetime, size: int, session_id: str) -> Recording:
    row = Recording(id=new_uuid(), recorded_by_user_id=owner_id, filename="memo.m4a",
                    mime_type="audio/mp4", storage_bucket="local", storage_key=f"recordings/{new_id('k_')}.m4a",
                    status="transcribed", transcript_text="The memo says hello.", file_size_bytes=size,
                    created_at=at, updated_at=at)
    db.session.add(row)
    db.session.flush()
    db.session.add(SttTask(id=new_id("stt_"), session_id=session_id, audio_chunk_id="memo", status="done",
                           transcript="The memo says hello.", recording_id=row.id, created_at=at, updated_at=at))
    return row
