"""What every console page may answer besides its own result, as the OpenAPI document lists it:
the sign-in redirect of a guarded page, the HTML error page of a rejected form or filter (400:
a form post without its CSRF token, an invalid field) and of a page or item that does not
exist or that the user may not see (404)."""

from __future__ import annotations

from flask import Flask

from facial_backend.api import route_meta
from facial_backend.console.blueprint import OPEN_ENDPOINTS, bp

HTML_PAGE = {"text/html": {"schema": {"type": "string"}}}
PAGE = (200, "The page")
SIGN_IN_REDIRECT = (302, "Not signed in, or idle too long: redirects to the sign-in page")
REJECTED = (400, {"description": "Error page: the form's security token is missing or wrong, or a "
                                 "field is invalid (named)", "content": HTML_PAGE})
NOT_FOUND = (404, {"description": "Error page: no such page or item, or not one this user may see",
                   "content": HTML_PAGE})
_READ_ONLY = {"GET", "HEAD", "OPTIONS"}
NOT_FOUND_ENDPOINT = "console.not_found"  # the catch-all: only ever the 404 page


def document_console_answers(app: Flask) -> None:
    """Add the console's common answers to each console route's description (a route's own
    description of a status is kept)."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".", 1)[0] != bp.name:
            continue
        answers = [NOT_FOUND] if rule.endpoint == NOT_FOUND_ENDPOINT else [PAGE, NOT_FOUND]
        if rule.endpoint not in OPEN_ENDPOINTS:
            answers += [SIGN_IN_REDIRECT, REJECTED]
        elif rule.methods - _READ_ONLY:
            answers.append(REJECTED)
        responses = route_meta(app.view_functions[rule.endpoint])["responses"]
        for status, description in answers:
            responses.setdefault(status, description)
