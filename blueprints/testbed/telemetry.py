"""Telemetry of a session (seed 004, ORIGINS C.3)."""

from flask import Blueprint, jsonify

from facial_backend.api import body, doc, query
from facial_backend.auth import login_required
from facial_backend.schemas import testbed_telemetry as schemas
from facial_backend.services.testbed import telemetry

bp = Blueprint("testbed_telemetry", __name__, url_prefix="/api/sessions/<session_id>/telemetry")
TAGS = ["testbed telemetry"]
_ENDED = "Session ended"


@bp.post("")
@doc("Store one telemetry point", tags=TAGS,
     responses={200: schemas.TestbedTelemetrySchema, 404: "Unknown session", 409: _ENDED,
                422: "Invalid fields"})
@login_required(open=True)
@body(schemas.TestbedTelemetryCreateSchema)
def create_point(session_id, body):
    return jsonify(telemetry.point_dict(telemetry.ingest(session_id, [body])[0]))


@bp.post("/batch")
@doc("Store a batch of telemetry points (all or nothing; every bad item is named)", tags=TAGS,
     responses={200: schemas.TestbedCreatedSchema, 404: "Unknown session", 409: _ENDED,
                422: "Invalid items (data.<index>.<field>)"})
@login_required(open=True)
@body(schemas.TestbedTelemetryBatchSchema)
def create_batch(session_id, body):
    return jsonify(created=len(telemetry.ingest(session_id, body["data"])))


@bp.get("")
@doc("Telemetry points, newest first (filters: channel, from, to; limit 1..10000, default 1000)",
     tags=TAGS, responses={200: schemas.TestbedTelemetrySchema(many=True), 404: "Unknown session",
                           422: "Invalid query"})
@login_required(open=True)
@query(schemas.TestbedTelemetryQuerySchema)
def query_points(session_id, query):
    return jsonify(telemetry.query(session_id, query.get("channel"), query.get("from_"),
                                   query.get("to"), query["limit"]))


@bp.get("/latest")
@doc("The newest point of a channel", tags=TAGS,
     responses={200: schemas.TestbedTelemetrySchema, 404: "Unknown session or no point of the channel",
                422: "channel missing"})
@login_required(open=True)
@query(schemas.TestbedLatestQuerySchema)
def latest_point(session_id, query):
    return jsonify(telemetry.latest(session_id, query["channel"]))


@bp.get("/channels")
@doc("The channels the session has points of, sorted", tags=TAGS,
     responses={200: schemas.TestbedChannelsSchema, 404: "Unknown session"})
@login_required(open=True)
def list_channels(session_id):
    return jsonify(channels=telemetry.channels(session_id))
