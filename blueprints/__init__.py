"""HTTP routes and Socket.IO handlers, one module per resource."""

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from . import docs, health, recording_app
    for module in (health, docs, recording_app):
        app.register_blueprint(module.bp)
