"""The console's forms (WTForms): each names its fields for labels and error messages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional

from facial_backend.models.audit import AUDIT_ACTIONS
from facial_backend.models.sessions import SESSION_KINDS
from facial_backend.models.users import ROLES
from facial_backend.services.console.session_table import PAGE_SIZES, SORTS
from facial_backend.services.shared.user_admin import MIN_PASSWORD

MAX_PAGE = 1_000_000
MAX_EVENT_ID = 2**62  # below the 64-bit integer every database holds


class SignInForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=64)],
                           render_kw={"autocomplete": "username", "autofocus": True})
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)],
                             render_kw={"autocomplete": "current-password"})
    submit = SubmitField("Sign in")


class GetForm(FlaskForm):
    """A filter form read from the query string: no CSRF token (it changes nothing)."""

    class Meta:
        csrf = False


class SessionFilterForm(GetForm):
    kind = SelectField("Kind", choices={"": "Any kind", **{k: k.capitalize() for k in SESSION_KINDS}},
                       validators=[Optional()])
    status = StringField("Status", validators=[Optional(), Length(max=16)])
    person = StringField("Person", validators=[Optional(), Length(max=200)],
                         description="Participant, evaluator, client or creator, exactly")
    q = StringField("Search", validators=[Optional(), Length(max=200)],
                    description="Part of the id, name or participant")
    date_from = DateField("Started from", validators=[Optional()])
    date_to = DateField("Started until", validators=[Optional()])
    sort = SelectField("Sort by", choices={s: s.capitalize() for s in SORTS}, default="started")
    order = SelectField("Order", choices={"desc": "Newest / Z first", "asc": "Oldest / A first"},
                        default="desc")
    per_page = SelectField("Rows per page", choices={str(n): str(n) for n in PAGE_SIZES}, default="25")
    page = IntegerField("Page", validators=[Optional(), NumberRange(min=1, max=MAX_PAGE)], default=1)


class AuditFilterForm(GetForm):
    person = StringField("Person", validators=[Optional(), Length(max=64)], description="Username or user id")
    session_id = StringField("Session id", validators=[Optional(), Length(max=64)])
    action = SelectField("Action", choices={"": "Any action", **{a: a.replace("_", " ") for a in AUDIT_ACTIONS}},
                         validators=[Optional()])
    before = IntegerField("Older than event", validators=[Optional(), NumberRange(min=1, max=MAX_EVENT_ID)])


class NewUserForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=64)])
    name = StringField("Display name", validators=[Optional(), Length(max=200)])
    role = SelectField("Role", choices={r: r for r in ROLES})
    password = PasswordField("Password", validators=[DataRequired(), Length(min=MIN_PASSWORD, max=1024)],
                             render_kw={"autocomplete": "new-password"})
    submit = SubmitField("Create user")


class RoleForm(FlaskForm):
    role = SelectField("Role", choices={r: r for r in ROLES})
    submit = SubmitField("Change role")


class PasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired(), Length(min=MIN_PASSWORD, max=1024)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Repeat the new password",
                            validators=[DataRequired(), EqualTo("password", "The passwords differ.")],
                            render_kw={"autocomplete": "new-password"})
    submit = SubmitField("Set password")


class ActiveForm(FlaskForm):
    submit = SubmitField("Disable")
