"""Seeding for console_pages: 10,000 sessions of every kind with 100,000 notes and 1,000,000
telemetry points (``--quick``: a tenth), plus one session of 500 timeline items, written
straight into the service's database with bulk inserts (the API would take far longer), then
analysed."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from facial_backend.extensions import db
from facial_backend.models import LiveSegment, Note, SttTask, StudySession, TelemetryChannel, TelemetryPoint, Video

START = datetime(2025, 1, 1, tzinfo=UTC)
BATCH = 20_000
KINDS = ("recording", "live", "testbed")
CHANNELS = ("heart_rate", "skin_conductance", "temperature")


def _id(prefix: str) -> str:
    return prefix + secrets.token_hex(12)


def _bulk(model, rows) -> None:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            db.session.execute(insert(model), batch)
            batch = []
    if batch:
        db.session.execute(insert(model), batch)
    db.session.commit()


def seed(sessions: int, notes: int, points: int) -> dict[str, str]:
    """Returns ``{"big": <session id of 500 items>}``."""
    rows = []
    for n in range(sessions):
        kind = KINDS[n % 3]
        started = START + timedelta(minutes=53 * n)
        rows.append({"id": _id("sess_"), "kind": kind, "status": ("active", "ended", "created")[n % 7 % 3],
                     "name": f"Run {n}" if kind == "testbed" else None, "participant_id": f"P-{n % 900:04d}",
                     "participant_name": f"Participant {n % 900}" if kind == "recording" else None,
                     "evaluator_id": f"evaluator{n % 20}" if kind == "live" else None,
                     "client_id": f"client{n % 30}" if kind == "live" else None,
                     "started_at": started, "updated_at": started})
    _bulk(StudySession, rows)
    by_kind = {kind: [r["id"] for r in rows if r["kind"] == kind] for kind in KINDS}
    testbed = by_kind["testbed"]
    _bulk(Video, ({"session_id": sid, "video_id": f"video_{i}", "file_extension": "webm", "status": "complete",
                   "total_chunks": 3, "received_chunks": 3, "size": 3_000_000, "created_at": START,
                   "updated_at": START} for sid in by_kind["recording"] for i in range(2)))
    _bulk(LiveSegment, ({"id": _id("seg_"), "session_id": sid, "evaluator_id": "e", "client_id": "c",
                         "image_index": i, "audio_size": 40_000, "received_at": START, "updated_at": START}
                        for sid in by_kind["live"] for i in range(4)))
    _bulk(Note, ({"id": _id("note_"), "session_id": testbed[i % len(testbed)], "content": f"note {i}",
                  "timestamp": START + timedelta(seconds=i), "type": "observation", "tags": [],
                  "created_at": START, "updated_at": START} for i in range(notes)))
    _bulk(TelemetryChannel, ({"session_id": sid, "channel": c} for sid in testbed for c in CHANNELS))
    _bulk(TelemetryPoint, ({"id": _id("tel_"), "session_id": testbed[i % len(testbed)], "channel": CHANNELS[i % 3],
                            "timestamp": START + timedelta(milliseconds=i), "value": float(i % 97)}
                           for i in range(points)))
    ids = {"big": _big_session()}
    _analyze()
    return ids


def _analyze() -> None:
    """Fresh statistics (and PostgreSQL's visibility map), as autovacuum would leave them."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE" if connection.dialect.name == "postgresql" else "ANALYZE")


def _big_session() -> str:
    """A testbed session of 500 items: 250 notes, 150 segments, 100 transcription tasks,
    and 3 channels of 3,000 telemetry points."""
    sid = _id("sess_")
    at = START + timedelta(days=400)
    _bulk(StudySession, [{"id": sid, "kind": "testbed", "status": "ended", "name": "Big run", "started_at": at,
                          "updated_at": at}])
    _bulk(Note, ({"id": _id("note_"), "session_id": sid, "timestamp": at + timedelta(seconds=i), "content": f"n{i}",
                  "type": "observation", "tags": ["a"], "created_at": at, "updated_at": at} for i in range(250)))
    _bulk(LiveSegment, ({"id": _id("seg_"), "session_id": sid, "evaluator_id": "e", "client_id": "c",
                         "image_index": i, "signed_url": f"https://images.example/{i}.jpg", "audio_key": f"a/{i}.m4a",
                         "audio_size": 1000, "transcript_status": "done", "transcript_text": f"said {i}",
                         "received_at": at + timedelta(seconds=2 * i), "updated_at": at} for i in range(150)))
    _bulk(SttTask, ({"id": _id("stt_"), "session_id": sid, "audio_chunk_id": f"chunk{i}", "status": "done",
                     "transcript": f"text {i}", "created_at": at + timedelta(seconds=3 * i), "updated_at": at}
                    for i in range(100)))
    _bulk(TelemetryChannel, ({"session_id": sid, "channel": c} for c in CHANNELS))
    _bulk(TelemetryPoint, ({"id": _id("tel_"), "session_id": sid, "channel": CHANNELS[i % 3],
                            "timestamp": at + timedelta(milliseconds=10 * i), "value": float(i % 50)}
                           for i in range(9000)))
    return sid
