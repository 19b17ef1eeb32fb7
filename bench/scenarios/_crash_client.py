"""Crash benchmark client: recording-app uploaders that write down every acknowledged chunk.

An uploader creates a session, then uploads videos of random bytes in 1 MiB chunks (the last
one shorter). Chunks usually go in order, as the app sends them; some videos swap neighbours
or re-send a chunk that was already acknowledged. On a failed request (the service was killed)
it waits for the service to be back, asks ``GET /api/upload/status`` which chunks arrived and
goes on with the others, re-sending the failed chunk half of the time even if it arrived (the
app's retry). Every 200 answer goes into the video's ledger with the chunk's SHA-256 and the
life of the service that gave it; a status answer that lacks an acknowledged chunk is a loss.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from dataclasses import dataclass, field

import requests

CHUNK = 1024 * 1024
REQUEST_TIMEOUT_S = 30.0
BACKOFF_S = (0.05, 0.1, 0.2, 0.4)
MAX_ATTEMPTS_PER_CHUNK = 200  # each failed attempt waits for a restart first


class ServiceHandle:
    """The service's base URL, or None between a kill and the next start; ``life`` counts
    the starts (life 1 is the first process)."""

    def __init__(self):
        self._cond = threading.Condition()
        self._url: str | None = None
        self.life = 0
        self.in_flight = 0  # chunk requests sent and not yet answered

    def sending(self, delta: int) -> None:
        with self._cond:
            self.in_flight += delta

    def up(self, url: str) -> None:
        with self._cond:
            self._url = url
            self.life += 1
            self._cond.notify_all()

    def down(self) -> None:
        with self._cond:
            self._url = None

    def wait(self, deadline: float) -> tuple[str | None, int]:
        """The URL and life once the service is up, or (None, life) at the deadline."""
        with self._cond:
            self._cond.wait_for(lambda: self._url is not None,
                                timeout=max(0.0, deadline - time.monotonic()))
            return self._url, self.life


@dataclass
class Ack:
    index: int
    sha256: str
    size: int
    life: int  # the service process that answered 200
    answer: str


@dataclass
class VideoLedger:
    session_id: str
    video_id: str
    chunks: list[bytes]
    sha256: str
    size: int
    chunk_sha256: list[str]
    acked: dict[int, Ack] = field(default_factory=dict)
    completed: bool = False
    final_status: dict | None = None
    losses: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: int = 0
    failed_requests: int = 0

    @property
    def total_chunks(self) -> int:
        return len(self.chunk_sha256)

    def check_received(self, received: list[int], complete: bool, where: str) -> None:
        """Every acknowledged chunk must be among ``received`` (all are, once complete)."""
        if complete:
            return
        for index, ack in sorted(self.acked.items()):
            if index not in received:
                note = (f"video {self.session_id}/{self.video_id} chunk {index} "
                        f"(sha256 {ack.sha256[:16]}..., {ack.size} B) acknowledged by service "
                        f"life {ack.life} ({ack.answer}) is missing from {where}")
                if note not in self.losses:
                    self.losses.append(note)


def new_video(rng: random.Random, session_id: str, video_no: int, max_chunks: int) -> VideoLedger:
    nchunks = rng.randint(2, max_chunks)
    chunks = [rng.randbytes(CHUNK) for _ in range(nchunks - 1)] + [rng.randbytes(rng.randint(1, CHUNK))]
    whole = hashlib.sha256()
    for piece in chunks:
        whole.update(piece)
    return VideoLedger(session_id, f"crash_{video_no:05d}", chunks, whole.hexdigest(),
                       sum(map(len, chunks)), [hashlib.sha256(c).hexdigest() for c in chunks])


def plan_order(rng: random.Random, nchunks: int) -> list[int]:
    """In order, as the app sends; one video in three swaps a few neighbouring chunks."""
    order = list(range(nchunks))
    if rng.random() < 1 / 3:
        for _ in range(max(1, nchunks // 3)):
            i = rng.randrange(nchunks - 1)
            order[i], order[i + 1] = order[i + 1], order[i]
    return order


class Uploader(threading.Thread):
    """Uploads videos one after the other until ``finish`` is set, then ends the current one."""

    def __init__(self, no: int, service: ServiceHandle, seed: int, max_chunks: int,
                 max_videos: int, finish: threading.Event, deadline: float):
        super().__init__(name=f"uploader-{no}", daemon=True)
        self.no = no
        self.service = service
        self.rng = random.Random(seed)
        self.max_chunks = max_chunks
        self.max_videos = max_videos
        self.finish = finish
        self.deadline = deadline
        self.videos: list[VideoLedger] = []
        self.errors: list[str] = []
        self.http = requests.Session()

    def run(self) -> None:
        try:
            session_id = self._create_session()
            while (session_id and not self.finish.is_set() and len(self.videos) < self.max_videos
                   and time.monotonic() < self.deadline):
                video = new_video(self.rng, session_id, self.no * 10_000 + len(self.videos),
                                  self.max_chunks)
                self.videos.append(video)
                self._upload(video)
                video.chunks = []  # the digests are kept; the bytes are no longer needed
        except Exception as exc:  # noqa: BLE001 - reported, never lost with the thread
            self.errors.append(f"uploader {self.no}: {type(exc).__name__}: {exc}")
        finally:
            self.http.close()

    # ---- requests
    def _create_session(self) -> str | None:
        for _ in range(MAX_ATTEMPTS_PER_CHUNK):
            url, _life = self.service.wait(self.deadline)
            if url is None:
                break
            try:
                resp = self.http.post(f"{url}/api/session/create", json={}, timeout=REQUEST_TIMEOUT_S)
            except requests.RequestException:
                continue
            if resp.status_code == 201:
                return resp.json()["session_id"]
            self.errors.append(f"uploader {self.no}: session/create answered {resp.status_code} "
                               f"{resp.text[:200]!r}")
            return None
        self.errors.append(f"uploader {self.no}: no session before the deadline")
        return None

    def _post_chunk(self, video: VideoLedger, index: int) -> str:
        """One attempt: "ok", "retry" (no answer, or the service asks for a retry) or "fatal"."""
        url, life = self.service.wait(self.deadline)
        if url is None:
            video.errors.append(f"chunk {index}: the service was not back before the deadline")
            return "fatal"
        fields = {"session_id": video.session_id, "video_id": video.video_id,
                  "chunk_index": str(index), "total_chunks": str(video.total_chunks)}
        files = {"chunk": (f"chunk_{index}", video.chunks[index], "application/octet-stream")}
        video.requests += 1
        self.service.sending(1)
        try:
            resp = self.http.post(f"{url}/api/upload/chunk", data=fields, files=files,
                                  timeout=REQUEST_TIMEOUT_S)
        except requests.RequestException:
            video.failed_requests += 1
            return "retry"
        finally:
            self.service.sending(-1)
        try:
            body = resp.json()
        except ValueError:
            body = {"text": resp.text[:200]}
        if resp.status_code == 200 and body.get("status") in ("chunk_received", "video_complete"):
            video.acked[index] = Ack(index, video.chunk_sha256[index], len(video.chunks[index]),
                                     life, f"POST /api/upload/chunk chunk_index={index} -> "
                                           f"200 {body.get('status')}")
            if body["status"] == "video_complete":
                video.completed = True
            return "ok"
        video.failed_requests += 1
        if resp.status_code == 409 and body.get("code") == "completion_interrupted":
            return "retry"
        if resp.status_code == 410 and video.acked:
            video.losses.append(f"video {video.session_id}/{video.video_id}: POST chunk {index} "
                                f"(service life {life}) -> 410 {body.get('code')} although chunks "
                                f"{sorted(video.acked)} were acknowledged")
        video.errors.append(f"chunk {index} (service life {life}): HTTP {resp.status_code} {body!r}")
        return "fatal"

    def _status(self, video: VideoLedger) -> dict | None:
        """The upload's status once the service answers; None at the deadline."""
        for attempt in range(MAX_ATTEMPTS_PER_CHUNK):
            url, _life = self.service.wait(self.deadline)
            if url is None:
                return None
            try:
                resp = self.http.get(f"{url}/api/upload/status", timeout=REQUEST_TIMEOUT_S,
                                     params={"session_id": video.session_id, "video_id": video.video_id})
            except requests.RequestException:
                time.sleep(BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)])
                continue
            if resp.status_code == 404:
                return {"status": "unknown", "received": []}
            if resp.status_code == 200:
                return resp.json()
            video.errors.append(f"status: HTTP {resp.status_code} {resp.text[:200]!r}")
            return None
        return None

    # ---- one video
    def _upload(self, video: VideoLedger) -> None:
        todo = plan_order(self.rng, video.total_chunks)
        attempts = 0
        while todo and not video.completed and attempts < MAX_ATTEMPTS_PER_CHUNK * video.total_chunks:
            attempts += 1
            index = todo[0]
            outcome = self._post_chunk(video, index)
            if outcome == "fatal":
                return
            if outcome == "ok":
                todo.pop(0)
                if video.acked and todo and self.rng.random() < 0.1:
                    todo.insert(0, self.rng.choice(sorted(video.acked)))  # a duplicate, as a retry
                continue
            todo = self._resume(video, index, todo)
            if todo is None:
                return
        if not video.completed:
            video.errors.append(f"not complete after {attempts} requests")

    def _resume(self, video: VideoLedger, failed: int, todo: list[int]) -> list[int] | None:
        """After a failed request: the chunks still to send, by the server's status."""
        status = self._status(video)
        if status is None:
            video.errors.append("no upload status before the deadline")
            return None
        complete = status.get("status") == "complete"
        video.check_received(status.get("received", []), complete,
                             f"GET /api/upload/status after a failed request for chunk {failed}")
        if complete:
            video.completed = True
            video.final_status = status
            return []
        received = set(status.get("received", []))
        rest = [i for i in dict.fromkeys(todo) if i not in received]
        rest += [i for i in range(video.total_chunks) if i not in received and i not in rest]
        if failed in received and self.rng.random() < 0.5:
            rest.insert(0, failed)  # the app retries the failed request as it was
        return rest
