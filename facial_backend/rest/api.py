"""The app's flask-smorest Api: one per app, documenting every route with the error schema,
an operationId per operation, the bearer / OAuth2 password security schemes and path
parameters with the pattern their URL converter matches."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import flask_smorest
from apispec import BasePlugin
from flask import Flask

from facial_backend.schemas.errors import ErrorSchema
from facial_backend.url_converters import PrintablePath, PrintableSegment, parameter_schema
from facial_backend.version import __version__

TOKEN_URL = "/api/v1/auth/token"
SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
               "description": "Paste a token from /api/auth/login or /api/v1/auth/token."},
    "oauth2": {"type": "oauth2", "description": "Username and password of an account.",
               "flows": {"password": {"tokenUrl": TOKEN_URL, "scopes": {}}}},
}
SETTINGS = {
    "API_TITLE": "Recording-session backend",
    "API_VERSION": __version__,
    "OPENAPI_VERSION": "3.0.3",
    "API_SPEC_OPTIONS": {"info": {"description": "Live sessions, chunked video upload, presigned "
                                                 "recordings, testbed notes/telemetry/STT and "
                                                 "live events."}},
}


class OperationIdPlugin(BasePlugin):
    """Each operation is named after its view's endpoint (plus the method when one view
    answers several)."""

    def operation_helper(self, path=None, operations=None, **kwargs: Any) -> None:
        rule = kwargs.get("rule")
        if rule is None or not operations:
            return
        name = rule.endpoint.replace(".", "_")
        for method, operation in operations.items():
            operation.setdefault("operationId", name if len(operations) == 1 else f"{name}_{method}")


class RestApi(flask_smorest.Api):
    """Every error answer is documented with the body ``facial_backend.errors`` sends (its
    handlers, registered after the Api, replace flask-smorest's).

    A blueprint's operations go into the OpenAPI document when ``spec`` is first read after its
    registration, not at the registration: building them costs more than the rest of an app's
    start, and most processes (workers that never serve the document, every test's app) never
    read it."""

    ERROR_SCHEMA = ErrorSchema

    def __init__(self, *args: Any, **kwargs: Any):
        self._open_spec = None
        self._undocumented: list[Callable[[], None]] = []
        self._documenting = threading.Lock()
        self._registering = False
        super().__init__(*args, **kwargs)

    @property
    def spec(self):
        if self._undocumented and not self._registering:
            with self._documenting:
                while self._undocumented:  # each one leaves the list once it is in the document
                    self._undocumented[0]()
                    del self._undocumented[0]
        return self._open_spec

    @spec.setter
    def spec(self, value) -> None:
        self._open_spec = value

    def register_blueprint(self, blp, *, parameters=None, **options) -> None:
        self._registering = True
        try:
            super().register_blueprint(blp, parameters=parameters, **options)
        finally:
            self._registering = False

    def document_later(self, register: Callable[[], None]) -> None:
        """Put a blueprint's operations into the document when ``spec`` is next read."""
        self._undocumented.append(register)


def create_api(app: Flask) -> RestApi:
    """Bind a new Api to ``app`` (settings set here, not from the environment)."""
    for name, value in SETTINGS.items():
        app.config.setdefault(name, value)
    api = RestApi(app, spec_kwargs={"extra_plugins": [OperationIdPlugin()]})
    for name, scheme in SECURITY_SCHEMES.items():
        api.spec.components.security_scheme(name, scheme)
    for converter in (PrintableSegment, PrintablePath):
        api.register_converter(converter, parameter_schema)
    app.extensions["rest_api"] = api
    return api
