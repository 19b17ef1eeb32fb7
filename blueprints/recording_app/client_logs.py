"""The recording app's own log lines: posted by its uploader and logger, read by operators.

Posting is rate limited per client address (CLIENT_LOG_RATE_LIMIT; see ``address_limit``).
"""

import functools

from flask import current_app, request

from blueprints.recording_app.address_limit import AddressRateLimit
from facial_backend.auth import login_required
from facial_backend.constants.recording_app import CLIENT_LOG_MAX_BODY_BYTES
from facial_backend.rest import Blueprint, max_body
from facial_backend.schemas import recording_app_operations as schemas
from facial_backend.services.recording_app import client_logs

bp = Blueprint("recording_app_client_logs", __name__,
               description="The browser recording app's own log lines")
_LIMIT = "recording_app.client_log_limit"


@bp.record_once
def create_limit(state) -> None:
    state.app.extensions[_LIMIT] = AddressRateLimit("client-log", state.app.config["CLIENT_LOG_RATE_LIMIT"],
                                                    state.app.config["REDIS_URL"])


def rate_limited(view):
    """Count the request against its address's limit before its body is read."""
    @functools.wraps(view)
    def counted(*args, **kwargs):
        current_app.extensions[_LIMIT].check(request.remote_addr)
        return view(*args, **kwargs)
    return counted


@bp.post("/api/log/client")
@login_required(open=True)
@rate_limited
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
