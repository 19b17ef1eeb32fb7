"""Health and readiness: one /health body that satisfies every origin's client."""

from flask import Blueprint, jsonify

from facial_backend import __version__
from facial_backend.api import doc
from facial_backend.services.shared import health

bp = Blueprint("health", __name__)

SERVICE_NAME = "facial-data-collection-backend"


@bp.get("/")
@doc("Service information (the testbed origin's root document)", tags=["meta"])
def index():
    return jsonify(status="running", service=SERVICE_NAME, version=__version__, docs="/docs")


@bp.get("/health")
@doc("Health in a shape every origin's client accepts", tags=["meta"])
def health_status():
    database = health.database_kind()
    return jsonify(status="healthy", service=SERVICE_NAME, version=__version__, database=database,
                   message=f"Service is running with {database}")


@bp.get("/livez")
@doc("Liveness: the process answers", tags=["meta"])
def livez():
    return jsonify(status="ok")


@bp.get("/readyz")
@doc("Readiness: database, storage and Redis (when configured) answer", tags=["meta"],
     responses={200: "Ready", 503: "A dependency is not usable"})
def readyz():
    checks = health.readiness()
    ready = all(result == "ok" for result in checks.values())
    return jsonify(status="ready" if ready else "unavailable", checks=checks), 200 if ready else 503
