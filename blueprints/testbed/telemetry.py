"""Telemetry of a testbed session."""

from facial_backend.auth import login_required
from facial_backend.rest import Blueprint
from facial_backend.schemas import testbed_telemetry as schemas
from facial_backend.services.testbed import telemetry

bp = Blueprint("testbed_telemetry", __name__, url_prefix="/api/sessions/<session_id>/telemetry",
               description="Telemetry of a testbed session")
_ENDED = "Session ended"
_POINT_EXAMPLE = {"timestamp": "2025-01-26T10:32:15.120Z", "channel": "speed", "value": 27.4,
                  "unit": "m/s"}


@bp.post("")
@login_required(open=True)
@bp.arguments(schemas.TestbedTelemetryCreateSchema, example=_POINT_EXAMPLE)
@bp.response(200, schemas.TestbedTelemetrySchema)
@bp.errors((404, "Unknown session"), (409, _ENDED))
def create_point(session_id, body):
    """Store one telemetry point"""
    return telemetry.ingest(session_id, [body])[0]


@bp.post("/batch")
@login_required(open=True)
@bp.arguments(schemas.TestbedTelemetryBatchSchema, example={"data": [_POINT_EXAMPLE]},
              description="Invalid items are named data.<index>.<field>")
@bp.response(200, schemas.TestbedCreatedSchema)
@bp.errors((404, "Unknown session"), (409, _ENDED))
def create_batch(session_id, body):
    """Store a batch of telemetry points (all or nothing; every bad item is named)"""
    return {"created": len(telemetry.ingest(session_id, body["data"]))}


@bp.get("")
@login_required(open=True)
@bp.arguments(schemas.TestbedTelemetryQuerySchema, location="query")
@bp.response(200, schemas.TestbedTelemetrySchema(many=True))
@bp.errors((404, "Unknown session"))
def query_points(session_id, query):
    """Telemetry points, newest first (filters: channel, from, to; limit 1..10000, default 1000)"""
    return telemetry.query(session_id, query.get("channel"), query.get("from_"), query.get("to"),
                           query["limit"])


@bp.get("/latest")
@login_required(open=True)
@bp.arguments(schemas.TestbedLatestQuerySchema, location="query")
@bp.response(200, schemas.TestbedTelemetrySchema)
@bp.errors((404, "Unknown session or no point of the channel"))
def latest_point(session_id, query):
    """The newest point of a channel"""
    return telemetry.latest(session_id, query["channel"])


@bp.get("/channels")
@login_required(open=True)
@bp.response(200, schemas.TestbedChannelsSchema)
@bp.errors((404, "Unknown session"))
def list_channels(session_id):
    """The channels the session has points of, sorted"""
    return {"channels": telemetry.channels(session_id)}
