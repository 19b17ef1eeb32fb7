"""flask-smorest's Blueprint as every route of this service declares it.

``@bp.arguments(Schema)`` hands the view the loaded data as ``body=`` (JSON), ``query=`` or
``form=``; JSON routes may add ``allow_empty``, ``lift`` and ``raw`` (see ``json_body``).
``@bp.errors(...)`` documents error answers with the shared error schema. Every JSON route
documents the 400 it answers when the body is missing, not JSON or not a JSON object, and the
413 when it is larger than the route accepts.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import flask_smorest

from facial_backend.rest import json_body
from facial_backend.rest.parser import RequestParser
from facial_backend.schemas.errors import ErrorSchema

ARGUMENT_NAMES = {"json": "body", "query": "query", "querystring": "query", "form": "form",
                  "files": "files"}
BODY_NOT_JSON = (400, "The body is missing, not JSON or not a JSON object")
BODY_TOO_LARGE = (413, "The body is larger than this route accepts")


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = RequestParser()

    def register_views_in_doc(self, api, app, spec, *, name, parameters) -> None:
        """Documented when the Api's document is next read (``RestApi.document_later``)."""
        api.document_later(functools.partial(super().register_views_in_doc, api, app, spec, name=name,
                                             parameters=parameters))

    def arguments(self, schema, *, location: str = "json", allow_empty: bool = False,
                  lift: str | None = None, raw: bool = False, **kwargs):
        kwargs.setdefault("arg_name", ARGUMENT_NAMES.get(location))
        parse = super().arguments(schema, location=location, **kwargs)
        if location != "json":
            return parse
        options = json_body.BodyOptions(allow_empty=allow_empty, lift=lift, raw=raw)

        def decorator(view: Callable) -> Callable:
            @functools.wraps(view)
            def with_body(*args, **view_kwargs):
                view_kwargs["body"] = json_body.body_for_view(view_kwargs["body"])
                return view(*args, **view_kwargs)

            parsing = parse(with_body)

            @functools.wraps(parsing)
            def reading(*args, **view_kwargs):
                json_body.use_options(options)
                return parsing(*args, **view_kwargs)
            return self.errors(BODY_NOT_JSON, BODY_TOO_LARGE)(reading)
        return decorator

    def errors(self, *answers: tuple[int, str]) -> Callable:
        """Document error answers, each ``(status, what it means)``, with the error schema."""
        def decorator(view: Callable) -> Callable:
            for status, description in reversed(answers):
                view = self.alt_response(status, schema=ErrorSchema, description=description)(view)
            return view
        return decorator
