"""What a console operation answers, as the OpenAPI document lists it: its own answers plus the
404 page, the HTML error page in place of the API's JSON error body for any other error, the
sign-in redirect of a page that needs a signed-in user and the 400 page of a rejected form
(missing or wrong security token, an invalid field) on those pages and on every form post."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from facial_backend.rest import Blueprint

HTML = {"text/html": {"schema": {"type": "string"}}}
SIGN_IN_REDIRECT = "Not signed in, or idle too long: redirects to the sign-in page"
REJECTED = "Error page: the form's security token is missing or wrong, or a field is invalid (named)"
NOT_FOUND = "Error page: no such page or item, or not one this user may see"
ERROR_PAGE = "Error page (HTML, never the JSON error body): status, reason, invalid fields, request id"


def html(description: str) -> dict[str, Any]:
    """An answer whose body is an HTML page."""
    return {"description": description, "content": HTML}


def typed(content_type: str, description: str, schema: dict | None = None) -> dict[str, Any]:
    """An answer whose body is of ``content_type`` (a string unless ``schema`` says otherwise)."""
    return {"description": description, "content": {content_type: {"schema": schema or {"type": "string"}}}}


def console_answers(own: dict[int, dict[str, Any]], *, signed_in: bool = True,
                    form: bool = False) -> Callable:
    """Document ``own`` answers (status -> answer) and the console's common ones on a console
    operation; ``signed_in``: the page needs a signed-in user; ``form``: it takes a form post."""
    answers = {"404": html(NOT_FOUND), "default": html(ERROR_PAGE)}
    if signed_in:
        answers["302"] = html(SIGN_IN_REDIRECT)
    if signed_in or form:
        answers["400"] = html(REJECTED)
    answers.update({str(status): answer for status, answer in own.items()})
    return Blueprint.doc(responses=answers)
