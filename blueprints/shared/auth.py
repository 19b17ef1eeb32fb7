"""Sign-in: the live-session apps' login and the iPhone app's OAuth2 password token, both
throttled after repeated failures."""

from flask import request

from facial_backend.auth import issue_token, unauthorized
from facial_backend.errors import ApiError
from facial_backend.rest import Blueprint
from facial_backend.schemas import auth as schemas
from facial_backend.services.shared import users
from facial_backend.services.shared.sign_in_throttle import throttle

bp = Blueprint("auth", __name__, description="Sign-in and tokens")


@bp.post("/api/auth/login")
@bp.arguments(schemas.LiveLoginSchema, error_status_code=400,
              example={"userId": "evaluator1", "password": "secret"})
@bp.response(200, schemas.LiveLoginResultSchema)
@bp.errors((401, "Invalid credentials"), (429, "Too many failed sign-ins (see Retry-After)"))
def live_login(body):
    """Sign in as an evaluator or client (live sessions)"""
    user = _throttled_sign_in(body["userId"], body["password"])
    if user is None:
        raise ApiError(401, "invalid_credentials", "Invalid credentials")
    return {"user": user, "token": issue_token(user)}


@bp.post("/api/v1/auth/token")
@bp.arguments(schemas.TokenFormSchema, location="form", error_status_code=422,
              example={"grant_type": "password", "username": "alice", "password": "secret"})
@bp.response(200, schemas.TokenSchema)
@bp.errors((401, "Incorrect username or password"), (429, "Too many failed sign-ins (see Retry-After)"))
def token(form):
    """OAuth2 password grant: a bearer token for the recordings API

    Takes the form-encoded (or multipart) password grant that OAuth2 clients and Swagger UI's
    Authorize button send."""
    user = _throttled_sign_in(form["username"], form["password"])
    if user is None:
        raise unauthorized("Incorrect username or password", "invalid_credentials")
    return {"access_token": issue_token(user), "token_type": "bearer"}


def _throttled_sign_in(username: str, password: str):
    """The signed-in user, or None; repeated failures are throttled."""
    guard = throttle()
    guard.check(username, request.remote_addr)
    user = users.authenticate(username, password)
    if user is None:
        guard.failed(username, request.remote_addr)
    else:
        guard.succeeded(username, request.remote_addr)
    return user
