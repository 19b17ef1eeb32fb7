"""Operating the recording app's data: statistics, clearing everything, and the face-quality
check this service does not offer."""

import logging
from dataclasses import asdict

from flask import request

from facial_backend.auth import current_user, login_required
from facial_backend.errors import ApiError
from facial_backend.rest import Blueprint
from facial_backend.schemas import recording_app_operations as schemas
from facial_backend.services.recording_app import removal, stats
from facial_backend.services.shared import audit

bp = Blueprint("recording_app_operations", __name__,
               description="The browser recording app's data: statistics, clearing it all")
log = logging.getLogger(__name__)


@bp.get("/api/admin/stats")
@login_required(roles=("operator",))
@bp.arguments(schemas.StatsQuerySchema, location="query", error_status_code=400)
@bp.response(200, schemas.StatsSchema)
@bp.errors((400, "Invalid query parameter (named)"), (401, "No token"), (403, "Not an operator or admin"))
def admin_stats(query):
    """Sessions, finished videos and bytes of the recording app, and the last day's activity"""
    return stats.recording_app_stats(**query)


@bp.post("/api/data/clear-all")
@login_required(roles=("admin",))
@bp.arguments(schemas.ClearAllSchema, error_status_code=400, allow_empty=True,
              example={"confirm": schemas.CLEAR_ALL_CONFIRMATION})
@bp.response(200, schemas.ClearedSchema)
@bp.errors((400, "confirm is missing or not the confirmation text"), (401, "No token"),
           (403, "Not an admin"))
def clear_all(body):
    """Delete every recording-app session with its videos, files and logs (admins only)

    Rows and files go together, session by session; the deletion is audited with the
    admin's name."""
    admin = current_user()
    log.warning("clear-all requested by %s", admin.username)
    cleared = removal.clear_all()
    audit.record("delete", actor=admin, address=request.remote_addr, target_kind="recording_app_data",
                 details=asdict(cleared.deleted))
    log.warning("clear-all by %s removed %s", admin.username, asdict(cleared.deleted))
    return cleared


@bp.post("/api/quality/check")
@login_required(open=True)
@bp.errors((501, "Always: no face-quality model runs here"))
def quality_check():
    """Face-quality check of one image: not available on this server"""
    raise ApiError(501, "quality_check_unavailable",
                   "Face-quality checking is not available on this server: no face-quality model runs here.")
