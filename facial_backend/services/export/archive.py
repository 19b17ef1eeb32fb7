"""A session's export as a zip produced while it is sent: media read from storage piece by
piece (never whole, on S3 as on disk), each file hashed as it passes, and ``manifest.json`` last,
listing every file with its size and SHA-256 and the session's metadata.

Layout: ``media/<kind>/...``, ``notes/notes.md``, ``notes/notes.json``, ``telemetry/telemetry.csv``,
``transcripts/<kind>-<id>.{txt,json,vtt}``, ``manifest.json``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from zipstream import ZIP_DEFLATED, ZIP_STORED, ZipStream

from facial_backend.extensions import db, get_storage
from facial_backend.models.sessions import StudySession
from facial_backend.models.testbed import Note
from facial_backend.services.export import transcripts as transcript_forms
from facial_backend.services.export.media import MediaItem, session_media
from facial_backend.services.export.telemetry_csv import telemetry_csv
from facial_backend.services.testbed.note_export import export_json, export_markdown
from facial_backend.timeutil import isoformat_z, utcnow
from storage import Storage

MANIFEST = "manifest.json"
FORMAT = "session-export/1"
MEDIA_FOLDERS = {"video": "videos", "segment": "segments", "recording": "recordings", "stt_audio": "stt_audio"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")

NoteBodies = Callable[[list[Note]], list[dict]]
"""Turns notes into the bodies the notes API answers with (its response schema's dump)."""


@dataclass
class ExportFile:
    """One file of the archive; ``pieces`` are read only when the zip reaches it."""

    path: str
    role: str
    content_type: str
    pieces: Iterable[bytes]
    size: int | None = None
    source: dict | None = None
    metadata: dict | None = None
    sha256: str | None = field(default=None, init=False)
    written: int | None = field(default=None, init=False)

    def hashed(self) -> Iterator[bytes]:
        digest, total = hashlib.sha256(), 0
        for piece in self.pieces:
            digest.update(piece)
            total += len(piece)
            yield piece
        self.sha256, self.written = digest.hexdigest(), total


@dataclass
class SessionExport:
    """The zip of one session: iterate it once for its bytes. ``media_bytes`` is what the media
    add up to (for progress bars); ``missing`` lists media whose stored file is gone."""

    session_id: str
    filename: str
    files: list[ExportFile]
    missing: list[dict]
    media_bytes: int
    _stream: ZipStream

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._stream)


def build_export(session: StudySession, *, exported_by: str | None, note_bodies: NoteBodies) -> SessionExport:
    """Plan the archive (one storage HEAD per medium); nothing is read until it is iterated."""
    storage = get_storage()
    names: set[str] = set()
    files: list[ExportFile] = []
    missing: list[dict] = []
    media = session_media(session.id)
    for item in media:
        info = storage.head(item.key)
        if info is None:
            missing.append({"kind": item.kind, "id": item.id, "reason": "the stored file is missing"})
            continue
        files.append(ExportFile(_unique(f"media/{MEDIA_FOLDERS[item.kind]}/{_safe(item.name)}", names), "media",
                                item.content_type, _stored(storage, item.key), info.size,
                                {"kind": item.kind, "id": item.id}, item.metadata))
    files += _documents(session, media, names, note_bodies)
    metadata = {"format": FORMAT, "exported_at": isoformat_z(utcnow()), "exported_by": exported_by,
                "session": session_metadata(session)}
    stream = ZipStream(compress_type=ZIP_STORED)
    for file in files:
        compress = ZIP_STORED if file.role == "media" else ZIP_DEFLATED
        stream.add(file.hashed(), file.path, size=file.size, compress_type=compress)
    stream.add(_manifest(metadata, files, missing), MANIFEST, compress_type=ZIP_DEFLATED)
    return SessionExport(session.id, f"session-{_safe(session.id)}.zip", files, missing,
                         sum(file.size or 0 for file in files if file.role == "media"), stream)


def session_metadata(session: StudySession) -> dict:
    return {"id": session.id, "kind": session.kind, "status": session.status, "name": session.name,
            "description": session.description, "participant_id": session.participant_id,
            "participant_name": session.participant_name, "evaluator_id": session.evaluator_id,
            "client_id": session.client_id, "package": session.package, "video_type": session.video_type,
            "created_by_id": session.created_by_id, "started_at": isoformat_z(session.started_at),
            "ended_at": isoformat_z(session.ended_at), "updated_at": isoformat_z(session.updated_at)}


def _documents(session: StudySession, media: list[MediaItem], names: set[str],
               note_bodies: NoteBodies) -> list[ExportFile]:
    notes = list(db.session.scalars(db.select(Note).filter_by(session_id=session.id)
                                    .order_by(Note.timestamp, Note.seq)))
    documents = [
        ExportFile("notes/notes.md", "notes", "text/markdown; charset=utf-8",
                   [export_markdown(session, notes).encode()]),
        ExportFile("notes/notes.json", "notes", "application/json",
                   [export_json(session, note_bodies(notes)).encode()]),
        ExportFile("telemetry/telemetry.csv", "telemetry", "text/csv; charset=utf-8", telemetry_csv(session.id)),
    ]
    forms = (("txt", "text/plain; charset=utf-8", transcript_forms.as_text),
             ("json", "application/json", transcript_forms.as_json),
             ("vtt", "text/vtt; charset=utf-8", transcript_forms.as_vtt))
    for transcript in transcript_forms.session_transcripts(session.id, media):
        stem = _unique(f"transcripts/{_safe(transcript.stem)}", names)
        source = {"kind": transcript.kind, "id": transcript.id}
        documents += [ExportFile(f"{stem}.{extension}", "transcript", content_type, [render(transcript).encode()],
                                 source=source) for extension, content_type, render in forms]
    return documents


def _stored(storage: Storage, key: str) -> Iterator[bytes]:
    """The object's pieces, opened only when the zip reaches it and closed after."""
    with storage.open(key) as pieces:
        yield from pieces


def _manifest(metadata: dict, files: list[ExportFile], missing: list[dict]) -> Iterator[bytes]:
    """Rendered once every other file went through (so their digests are known)."""
    listed = [{"path": file.path, "size": file.written, "sha256": file.sha256, "role": file.role,
               "content_type": file.content_type, "source": file.source, "metadata": file.metadata}
              for file in files]
    yield json.dumps({**metadata, "files": listed, "missing": missing}, indent=2, ensure_ascii=False).encode()


def _safe(name: str) -> str:
    return _UNSAFE.sub("_", name).lstrip(".-") or "file"


def _unique(path: str, taken: set[str]) -> str:
    stem, dot, extension = path.rpartition(".") if "." in path.rsplit("/", 1)[-1] else (path, "", "")
    candidate, number = path, 1
    while candidate in taken:
        number += 1
        candidate = f"{stem}-{number}{dot}{extension}"
    taken.add(candidate)
    return candidate
