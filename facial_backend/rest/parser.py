"""webargs' Flask parser reading JSON bodies our way and failing with our validation error."""

from __future__ import annotations

from typing import Any, NoReturn

from webargs.flaskparser import FlaskParser
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import CombinedMultiDict

from facial_backend.errors import validation_error
from facial_backend.rest import json_body

# webargs location -> the word our error bodies use (``Invalid body: ...``, ``loc[0]``).
LOCATION_WORDS = {"json": "body", "query": "query", "querystring": "query", "form": "form",
                  "files": "form", "headers": "header", "view_args": "path"}


class RequestParser(FlaskParser):
    """Bodies are parsed by ``json_body`` (orjson, per-route options); a form's file parts load
    with its fields (``flask_smorest.fields.Upload``); an invalid argument is answered with
    ``validation_error`` naming every field, at the route's status."""

    def load_json(self, req, schema) -> Any:
        return json_body.read_sent_body().for_schema()

    def load_form(self, req, schema) -> Any:
        return MultiDictProxy(CombinedMultiDict([req.form, req.files]), schema,
                              known_multi_fields=tuple(self.KNOWN_MULTI_FIELDS))

    def handle_error(self, error, req, schema, *, error_status_code: int | None,
                     error_headers=None) -> NoReturn:
        location, messages = next(iter(error.messages.items()))
        fields = messages if isinstance(messages, dict) else {"_schema": messages}
        raise validation_error(fields, status=error_status_code or self.DEFAULT_VALIDATION_STATUS,
                               location=LOCATION_WORDS.get(location, location))
