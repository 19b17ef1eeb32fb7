"""Health and readiness: one /health body that satisfies every origin's client."""

from flask import current_app

from blueprints.recording_app import frontend
from facial_backend import __version__, open_mode
from facial_backend.errors import ApiError
from facial_backend.rest import Blueprint
from facial_backend.schemas import meta as schemas
from facial_backend.services.shared import health

bp = Blueprint("health", __name__, description="Service information, health and readiness")

SERVICE_NAME = "facial-data-collection-backend"


@bp.get("/")
@bp.response(200, schemas.RootSchema)
def index():
    """Service information (the testbed origin's root document; version: TESTBED_API_VERSION)

    With FRONTEND_DIR set, the web frontend's index.html instead."""
    if frontend.enabled():
        return frontend.send_index()
    return {"status": "running", "service": SERVICE_NAME,
            "version": f"{current_app.config['TESTBED_API_VERSION']}.0", "docs": "/docs"}


@bp.get("/health")
@bp.response(200, schemas.HealthSchema)
def health_status():
    """Health in a shape every origin's client accepts"""
    database = health.database_kind()
    return {"status": "healthy", "service": SERVICE_NAME, "version": __version__,
            "database": database, "message": f"Service is running with {database}"}


@bp.get("/health/db")
@bp.response(200, schemas.DatabaseHealthSchema, description="The database answers")
@bp.errors((503, "The database does not answer"))
def database_health():
    """Database health (the recordings origin's check)"""
    database = health.database_kind()
    if not health.database_answers():
        raise ApiError(503, "database_unavailable", f"The {database} database does not answer.")
    return {"status": "healthy", "database": database, "message": f"The {database} database answers"}


@bp.get("/livez")
@bp.response(200, schemas.LivenessSchema)
def livez():
    """Liveness: the process answers"""
    return {"status": "ok"}


@bp.get("/readyz")
@bp.response(200, schemas.ReadinessSchema, description="Ready")
@bp.alt_response(503, schema=schemas.ReadinessSchema, description="A dependency is not usable")
def readyz():
    """Readiness: database, storage and Redis (when configured) answer"""
    checks = health.readiness()
    ready = all(result == "ok" for result in checks.values())
    return ({"status": "ready" if ready else "unavailable", "checks": checks,
             "auth": open_mode.auth_mode(current_app)}, 200 if ready else 503)
