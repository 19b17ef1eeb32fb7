"""JSON log lines carrying the request id, which is also returned as ``X-Request-ID``."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid

from flask import Flask, g, has_request_context, request

from facial_backend.perf import server_timing

_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")  # the whole header: fullmatch


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context():
            entry["request_id"] = g.get("request_id")
        for key in ("method", "path", "status", "duration_ms", "worker_ms", "db_ms", "storage_ms", "remote"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(app: Flask) -> None:
    formatter = JsonFormatter()
    formatter.converter = time.gmtime
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(app.config["LOG_LEVEL"].upper())
    app.logger.handlers[:] = []
    app.logger.propagate = True

    access = logging.getLogger("facial_backend.access")

    @app.before_request
    def assign_request_id() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def log_request(response):
        request_id = g.get("request_id")
        if request_id:
            response.headers["X-Request-ID"] = request_id
            duration = (time.perf_counter() - g.request_started) * 1000
            waits = {f"{metric}_ms": round(seconds * 1000, 2) for metric, seconds in server_timing.metrics().items()}
            access.info("request", extra={"method": request.method, "path": request.path,
                                          "status": response.status_code,
                                          "duration_ms": round(duration, 2), **waits,
                                          "remote": request.remote_addr})
        return response
