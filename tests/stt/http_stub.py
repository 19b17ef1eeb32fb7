"""A tiny OpenAI-style transcription endpoint for the http engine tests.

Each request takes the next scripted reply (the last one repeats): ``("json", body)``,
``("status", code)`` or ``("hold", None)`` (answer nothing until ``release()``, then 200).
Requests are recorded; ``received`` is set on each one.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

OK_BODY = {"text": " hello from the stub ", "language": "english", "duration": 2.0,
           "segments": [{"start": 0.0, "end": 1.0, "text": " hello", "avg_logprob": -0.1},
                        {"start": 1.0, "end": 2.0, "text": " from the stub", "avg_logprob": -0.3}]}


class StubServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.replies: list[tuple[str, object]] = [("json", OK_BODY)]
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.received = threading.Condition(self.lock)
        self.released = threading.Event()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1/audio/transcriptions"

    def script(self, *replies: tuple[str, object]) -> None:
        with self.lock:
            self.replies = list(replies)

    def next_reply(self, record: dict) -> tuple[str, object]:
        with self.lock:
            self.requests.append(record)
            self.received.notify_all()
            return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]

    def wait_requests(self, count: int, timeout: float = 30) -> None:
        with self.lock:
            if not self.received.wait_for(lambda: len(self.requests) >= count, timeout):
                raise TimeoutError(f"{len(self.requests)} of {count} requests arrived")

    def release(self) -> None:
        self.released.set()


class _Handler(BaseHTTPRequestHandler):
    server: StubServer

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        filename = re.search(rb'name="file"; filename="([^"]*)"', body)
        kind, value = self.server.next_reply({
            "path": self.path, "authorization": self.headers.get("Authorization"),
            "filename": filename.group(1).decode() if filename else None, "body": body})
        if kind == "hold":
            self.server.released.wait(60)
            kind, value = "json", OK_BODY
        payload = json.dumps(value).encode() if kind == "json" else b'{"error": "stub"}'
        try:
            self.send_response(200 if kind == "json" else int(value))
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout) or was killed
