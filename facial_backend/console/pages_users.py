"""Users (admins only): list, create, change role, reset password, disable and enable. Every
change is recorded in the access audit; a disabled user's tokens stop working at once."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from facial_backend.console.admin_only import admin_only
from facial_backend.console.blueprint import bp
from facial_backend.console.error_pages import form_error
from facial_backend.console.forms import ActiveForm, NewUserForm, PasswordForm, RoleForm
from facial_backend.console.page_answers import console_answers, html
from facial_backend.services.shared import audit, user_admin
from facial_backend.services.shared.users import create_user

PAGE = {200: html("The page")}
DONE = {303: html("Done: redirects to the user's page (the users list after disable/enable)")}


@bp.get("/users")
@console_answers(PAGE)
@admin_only
def users():
    """Console: users (admins)"""
    return render_template("console/users.html", users=user_admin.list_users(), new_form=NewUserForm(),
                           role_form=RoleForm(), active_form=ActiveForm())


@bp.get("/users/<username>")
@console_answers(PAGE)
@admin_only
def user_page(username: str):
    """Console: one user, with the forms to change them (admins)"""
    user = user_admin.get_user(username)
    return render_template("console/user.html", user=user, role_form=RoleForm(role=user.role),
                           password_form=PasswordForm(), active_form=ActiveForm())


@bp.post("/users")
@console_answers(DONE)
@admin_only
def create():
    """Console: create a user (admins; HTML form)"""
    form = NewUserForm()
    if not form.validate():
        raise form_error(form)
    user = create_user(form.username.data.strip(), form.password.data, form.role.data, form.name.data or None)
    _audit(user, "created", role=user.role)
    flash(f"User {user.username} created with the role {user.role}.")
    return redirect(url_for("console.user_page", username=user.username), code=303)


@bp.post("/users/<username>/role")
@console_answers(DONE)
@admin_only
def change_role(username: str):
    """Console: change a user's role (admins; HTML form)"""
    form = RoleForm()
    if not form.validate():
        raise form_error(form)
    user = user_admin.set_role(username, form.role.data)
    _audit(user, "role_changed", role=user.role)
    flash(f"{user.username} now has the role {user.role}.")
    return redirect(url_for("console.user_page", username=username), code=303)


@bp.post("/users/<username>/password")
@console_answers(DONE)
@admin_only
def reset_password(username: str):
    """Console: reset a user's password (admins; HTML form)"""
    form = PasswordForm()
    if not form.validate():
        raise form_error(form)
    user = user_admin.set_password(username, form.password.data)
    _audit(user, "password_reset")
    flash(f"The password of {user.username} was changed.")
    return redirect(url_for("console.user_page", username=username), code=303)


@bp.post("/users/<username>/<any(disable, enable):change>")
@console_answers(DONE)
@admin_only
def set_active(username: str, change: str):
    """Console: disable or enable a user (admins; HTML form)"""
    ActiveForm()  # the CSRF check ran before the view; the form has no other field
    user = user_admin.set_active(username, change == "enable")
    _audit(user, "enabled" if user.is_active else "disabled")
    state = "enabled" if user.is_active else "disabled: their sign-ins and tokens no longer work"
    flash(f"{user.username} is {state}.")
    return redirect(request.referrer if _same_console(request.referrer) else url_for("console.users"), code=303)


def _audit(user, change: str, **details) -> None:
    audit.record("user_change", actor=g.console_user, address=request.remote_addr, channel="console",
                 target_kind="user", target_id=user.id, details={"change": change, "username": user.username,
                                                                  **details})


def _same_console(referrer: str | None) -> bool:
    return bool(referrer) and referrer.startswith(request.host_url + "console/")
