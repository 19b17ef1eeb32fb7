"""HTTP routes, one sub-package per client family plus the routes they share."""

from flask import Flask

from blueprints.live import http as live_http
from blueprints.recording_app import client_logs as recording_app_client_logs
from blueprints.recording_app import frontend as recording_app_frontend
from blueprints.recording_app import operations as recording_app_operations
from blueprints.recording_app import routes as recording_app
from blueprints.recordings import routes as recordings
from blueprints.shared import auth, docs, health, metrics, storage_links
from blueprints.shared import export as session_export
from blueprints.testbed import notes as testbed_notes
from blueprints.testbed import sessions as testbed_sessions
from blueprints.testbed import stt as testbed_stt
from blueprints.testbed import stt_upload as testbed_stt_upload
from blueprints.testbed import telemetry as testbed_telemetry
from blueprints.tus import routes as tus
from facial_backend.rest import RestApi

# Documented through the Api (flask-smorest).
API_BLUEPRINTS = (
    health.bp,
    docs.bp,
    auth.bp,
    recording_app.bp,
    recording_app_client_logs.bp,
    recording_app_operations.bp,
    testbed_sessions.bp,
    testbed_notes.bp,
    testbed_telemetry.bp,
    testbed_stt.bp,
    testbed_stt_upload.bp,
    live_http.bp,
    recordings.bp,
    storage_links.bp,
    session_export.bp,
    metrics.bp,
    tus.bp,
)
# The recording app's own static files (FRONTEND_DIR): pages, not API operations.
FILE_BLUEPRINTS = (recording_app_frontend.bp,)


def register_blueprints(app: Flask, api: RestApi) -> None:
    for blueprint in API_BLUEPRINTS:
        api.register_blueprint(blueprint)
    for blueprint in FILE_BLUEPRINTS:
        app.register_blueprint(blueprint)
