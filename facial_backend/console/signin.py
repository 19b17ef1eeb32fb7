"""Signing in and out of the console with a user of the database; repeated failures are
throttled like the API's sign-ins (same counts per account and address)."""

from __future__ import annotations

from flask import g, redirect, render_template, request, url_for

from facial_backend.console import signed_in
from facial_backend.console.blueprint import bp
from facial_backend.console.forms import SignInForm
from facial_backend.console.page_answers import console_answers, html
from facial_backend.errors import ApiError
from facial_backend.services.console.access import CONSOLE_ROLES
from facial_backend.services.shared.sign_in_throttle import throttle
from facial_backend.services.shared.users import authenticate

NOTICES = {"expired": "You were signed out after a period without activity. Please sign in again.",
           "signed_out": "You are signed out."}


@bp.route("/sign-in", methods=["GET", "POST"])
@console_answers({200: html("The sign-in page"),
                  302: html("Signed in (or already): redirects to the page asked for, or the sessions"),
                  401: html("The sign-in page: wrong username or password, or a disabled account"),
                  403: html("The sign-in page: this account has no access to the console"),
                  422: html("The sign-in page: a field is missing or too long"),
                  429: html("The sign-in page: too many failed sign-ins (see Retry-After)")},
                 signed_in=False, form=True)
def sign_in():
    """Console sign-in page (HTML form; sets the console cookie)"""
    if g.console_user is not None:
        return redirect(url_for("console.sessions"))
    form = SignInForm()
    if form.validate_on_submit():
        username, address = form.username.data, request.remote_addr
        guard = throttle()
        try:
            guard.check(username, address)
        except ApiError as refused:
            return _form_page(form, refused.message, 429, refused.headers)
        user = authenticate(username, form.password.data)
        if user is None:
            guard.failed(username, address)
            return _form_page(form, "The username or password is wrong, or the account is disabled.", 401)
        guard.succeeded(username, address)
        if user.role not in CONSOLE_ROLES:
            return _form_page(form, "This account has no access to the console.", 403)
        signed_in.start(user)
        return redirect(_safe_next(request.args.get("next")))
    return _form_page(form, None, 422 if form.is_submitted() else 200)


def _form_page(form: SignInForm, error: str | None, status: int, headers: dict | None = None):
    notice = NOTICES.get(request.args.get("notice", ""))
    page = render_template("console/sign_in.html", form=form, error=error, notice=notice)
    return page, status, headers or {}


@bp.post("/sign-out")
@console_answers({302: html("Signed out (or not signed in): redirects to the sign-in page")})
def sign_out():
    """Console sign-out (HTML form)"""
    signed_in.end()
    return redirect(url_for("console.sign_in", notice="signed_out"))


def _safe_next(target: str | None) -> str:
    """Only a path of the console itself (never another site: no open redirect)."""
    if target and target.startswith("/console/") and "//" not in target and "\\" not in target:
        return target
    return url_for("console.sessions")
