"""HTTP routes and Socket.IO handlers, one module per resource."""

import importlib

from flask import Flask

# Each module has a Blueprint named ``bp``; one line per module.
BLUEPRINT_MODULES = (
    "health",
    "docs",
    "auth",
    "recording_app",
    "testbed_sessions",
    "testbed_notes",
    "testbed_telemetry",
    "testbed_stt",
    "testbed_stt_upload",
    "session_events",
    "live_http",
    "live_socket",
    "recordings",
    "storage_links",
)


def register_blueprints(app: Flask) -> None:
    for name in BLUEPRINT_MODULES:
        app.register_blueprint(importlib.import_module(f"{__name__}.{name}").bp)
