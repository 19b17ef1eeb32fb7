"""Crash benchmark verdicts: every acknowledged chunk still received, every completed video
stored with exactly the bytes sent, no stray or half-written file, nothing outside DATA_DIR."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import requests

from bench.scenarios._crash_client import VideoLedger

REQUEST_TIMEOUT_S = 30.0
MEDIA_ROOT = "facial_recordings"
SESSION_FILES = {"session.json"}


@dataclass
class Verdict:
    lost: list[str] = field(default_factory=list)
    corrupt: list[str] = field(default_factory=list)
    half_written: list[str] = field(default_factory=list)
    stray: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    unfinished: list[str] = field(default_factory=list)
    unreadable_documents: list[str] = field(default_factory=list)
    stale_documents: list[str] = field(default_factory=list)
    completed: int = 0


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while piece := handle.read(1024 * 1024):
            digest.update(piece)
    return digest.hexdigest()


def check_videos(base_url: str, data_dir: Path, videos: list[VideoLedger]) -> Verdict:
    """Asks the restarted service about every video and reads the stored files."""
    verdict = Verdict()
    with requests.Session() as http:
        for video in videos:
            verdict.lost.extend(video.losses)
            name = f"{video.session_id}/{video.video_id}"
            resp = http.get(f"{base_url}/api/upload/status", timeout=REQUEST_TIMEOUT_S,
                            params={"session_id": video.session_id, "video_id": video.video_id})
            status = resp.json() if resp.status_code == 200 else {"status": "unknown", "received": []}
            complete = status["status"] == "complete"
            before = len(video.losses)
            video.check_received(status.get("received", []), complete, "the final upload status")
            verdict.lost.extend(video.losses[before:])
            stored = data_dir / MEDIA_ROOT / video.session_id / f"{video.video_id}.webm"
            if not complete:
                if video.acked:
                    verdict.unfinished.append(f"{name}: {status['status']}, {len(video.acked)} of "
                                              f"{video.total_chunks} chunks acknowledged")
                if stored.exists() and file_sha256(stored) != video.sha256:
                    verdict.half_written.append(f"{name}: {stored.stat().st_size} B stored for an "
                                                f"unfinished upload of {video.size} B")
                continue
            verdict.completed += 1
            problems = []
            if status.get("sha256") != video.sha256:
                problems.append(f"status sha256 {status.get('sha256')} != sent {video.sha256}")
            if status.get("size") != video.size:
                problems.append(f"status size {status.get('size')} != sent {video.size}")
            if not stored.is_file():
                problems.append(f"no file {stored}")
            elif file_sha256(stored) != video.sha256:
                problems.append(f"file {stored} ({stored.stat().st_size} B) has another sha256")
            if problems:
                verdict.corrupt.append(f"{name}: " + "; ".join(problems))
    return verdict


def check_files(verdict: Verdict, data_dir: Path, videos: list[VideoLedger],
                outside_dirs: list[Path]) -> None:
    """Files under the media root must be session documents or completed videos; the service's
    working folder, TMPDIR and HOME (outside DATA_DIR) must stay empty."""
    expected = {(v.session_id, f"{v.video_id}.webm") for v in videos}
    media = data_dir / MEDIA_ROOT
    for path in sorted(media.rglob("*")) if media.is_dir() else []:
        if path.is_dir():
            continue
        relative = path.relative_to(media)
        ok = len(relative.parts) == 2 and (relative.parts[1] in SESSION_FILES
                                           or (relative.parts[0], relative.parts[1]) in expected)
        if not ok:
            verdict.stray.append(f"{relative} ({path.stat().st_size} B)")
    check_session_documents(verdict, media, videos)
    for folder in outside_dirs:
        verdict.outside.extend(str(p) for p in sorted(folder.rglob("*")) if not p.is_dir())


def check_session_documents(verdict: Verdict, media: Path, videos: list[VideoLedger]) -> None:
    """Each session.json must be whole JSON. One that lacks a completed video is stale (a
    best-effort mirror whose process died before it was rewritten): counted, not a failure."""
    listed: dict[str, set[str]] = {}
    for path in sorted(media.glob("*/session.json")):
        try:
            document = json.loads(path.read_bytes())
        except ValueError as exc:
            verdict.unreadable_documents.append(f"{path.parent.name}/session.json: {exc}")
            continue
        listed[path.parent.name] = {v.get("video_id") for v in document.get("videos", [])}
    for video in videos:
        if video.completed and video.video_id not in listed.get(video.session_id, set()):
            verdict.stale_documents.append(f"{video.session_id}/session.json lacks {video.video_id}")


def staged_leftovers(data_dir: Path) -> int:
    """Staging folders still there: those of unfinished uploads, and (PostgreSQL, whose ids are
    never reused) those of a first chunk whose request died before its commit."""
    root = data_dir / ".staging" / "videos"
    return sum(1 for p in root.iterdir() if p.is_dir()) if root.is_dir() else 0
