"""Signing in and out of the console with a user of the database."""

from __future__ import annotations

from flask import g, redirect, render_template, request, url_for

from facial_backend.api import doc
from facial_backend.console import signed_in
from facial_backend.console.blueprint import bp
from facial_backend.console.forms import SignInForm
from facial_backend.services.console.access import CONSOLE_ROLES
from facial_backend.services.shared.users import authenticate

TAGS = ["console (HTML pages)"]
NOTICES = {"expired": "You were signed out after a period without activity. Please sign in again.",
           "signed_out": "You are signed out."}


@bp.route("/sign-in", methods=["GET", "POST"])
@doc("Console sign-in page (HTML form; sets the console cookie)", tags=TAGS)
def sign_in():
    if g.console_user is not None:
        return redirect(url_for("console.sessions"))
    form = SignInForm()
    error = None
    status = 200
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data)
        if user is not None and user.role in CONSOLE_ROLES:
            signed_in.start(user)
            return redirect(_safe_next(request.args.get("next")))
        error = ("This account has no access to the console." if user is not None
                 else "The username or password is wrong, or the account is disabled.")
        status = 401 if user is None else 403
    elif form.is_submitted():
        status = 422
    notice = NOTICES.get(request.args.get("notice", ""))
    return render_template("console/sign_in.html", form=form, error=error, notice=notice), status


@bp.post("/sign-out")
@doc("Console sign-out (HTML form)", tags=TAGS)
def sign_out():
    signed_in.end()
    return redirect(url_for("console.sign_in", notice="signed_out"))


def _safe_next(target: str | None) -> str:
    """Only a path of the console itself (never another site: no open redirect)."""
    if target and target.startswith("/console/") and "//" not in target and "\\" not in target:
        return target
    return url_for("console.sessions")
