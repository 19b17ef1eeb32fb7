"""The recording app's own log lines: posted by its uploader and logger, read by operators.

Posting is rate limited per client address (CLIENT_LOG_RATE_LIMIT; counted in Redis when
REDIS_URL is set, so every process shares the count; while Redis is unreachable each process
counts alone rather than refusing the app's logs).
"""

from flask import request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from facial_backend.auth import login_required
from facial_backend.constants.recording_app import CLIENT_LOG_MAX_BODY_BYTES
from facial_backend.rest import Blueprint, max_body
from facial_backend.schemas import recording_app_operations as schemas
from facial_backend.services.recording_app import client_logs

bp = Blueprint("recording_app_client_logs", __name__,
               description="The browser recording app's own log lines")


@bp.record_once
def limit_posts(state) -> None:
    """One limiter per app, for this blueprint's POSTs only."""
    app = state.app
    limiter = Limiter(get_remote_address, app=app, storage_uri=app.config["REDIS_URL"] or "memory://",
                      key_prefix="client-log", strategy="moving-window", headers_enabled=True,
                      swallow_errors=True, in_memory_fallback_enabled=True)
    limiter.limit(app.config["CLIENT_LOG_RATE_LIMIT"], methods=["POST"])(bp)
    app.extensions["client_log_limiter"] = limiter


@bp.post("/api/log/client")
@login_required(open=True)
@max_body(CLIENT_LOG_MAX_BODY_BYTES)
@bp.arguments(schemas.ClientLogSchema, error_status_code=400,
              example={"session_id": "0b9a5c1e-5d7e-4c57-9f3f-1c2b3a4d5e6f", "level": "error",
                       "message": "[VideoUploader] Chunk 3 failed, retrying",
                       "context": {"attempt": 2, "status": 503}, "timestamp": "2026-12-06T12:00:00.000Z"})
@bp.response(200, schemas.ClientLogStoredSchema)
@bp.errors((400, "Invalid field (named)"), (404, "No such session"), (413, "Body larger than 64 KiB"),
           (429, "More lines than CLIENT_LOG_RATE_LIMIT from this address"))
def post_client_log(body):
    """Store one log line of the app

    Lines of a session beyond the newest 5000 are dropped, oldest first."""
    return client_logs.add_log(**body, client_ip=request.remote_addr)


@bp.get("/api/log/client/<session_id>")
@login_required(roles=("operator",))
@bp.response(200, schemas.SessionLogsSchema)
@bp.errors((401, "No token"), (403, "Not an operator or admin"), (404, "No such session"))
def session_client_logs(session_id):
    """The kept log lines of a session, oldest first"""
    return client_logs.session_logs(session_id)
