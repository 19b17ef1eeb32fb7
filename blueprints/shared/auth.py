"""Sign-in: the live-session apps' login and the iPhone app's OAuth2 password token."""

from flask import Blueprint, jsonify

from facial_backend.api import body, doc, form
from facial_backend.auth import issue_token, unauthorized
from facial_backend.errors import ApiError
from facial_backend.schemas import auth as schemas
from facial_backend.services.shared import users

bp = Blueprint("auth", __name__)
TAGS = ["auth"]


@bp.post("/api/auth/login")
@doc("Sign in as an evaluator or client (live sessions)", tags=TAGS,
     responses={200: schemas.LiveLoginResultSchema, 400: "Missing fields", 401: "Invalid credentials"})
@body(schemas.LiveLoginSchema, status=400)
def live_login(body):
    user = users.authenticate(body["userId"], body["password"])
    if user is None:
        raise ApiError(401, "invalid_credentials", "Invalid credentials")
    return jsonify(user={"id": user.username, "name": user.name, "role": user.role},
                   token=issue_token(user))


@bp.post("/api/v1/auth/token")
@doc("OAuth2 password grant: a bearer token for the recordings API", tags=TAGS,
     responses={200: schemas.TokenSchema, 401: "Incorrect username or password",
                422: "Missing fields"})
@form(schemas.TokenFormSchema, status=422)
def token(form):
    user = users.authenticate(form["username"], form["password"])
    if user is None:
        raise unauthorized("Incorrect username or password", "invalid_credentials")
    return jsonify(access_token=issue_token(user), token_type="bearer")
