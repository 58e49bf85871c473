"""Administration, split by power (三员分立): the system administrator (`administer_accounts`) adds
accounts and units, changes a user's name and unit, disables and enables accounts, resets passwords and
ends sessions; the security administrator (`grant_roles`) gives, changes and takes away roles — the role
select is on their page only. The audit administrator reads the logs (web.history) and has no page here.

Administrators manage the directory only: they cannot see or act on cases, and the audit log
has no edit path anywhere in the UI. workflow.directory checks each power again, whoever calls it.
Every change goes through workflow.directory, which records it in the access log (who, what, to whom,
from which address) in the same transaction. A refused form comes back with what was typed and the
reason next to the field.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from web.context import client_ip, core, may, me, units, users
from web.messages import describe
from workflow.definitions.roles import ADMINISTER_ACCOUNTS, GRANT_ROLES, NO_ROLE
from workflow.errors import InvalidInput, WorkflowError
from workflow.records import User

bp = Blueprint("admin", __name__, url_prefix="/admin")

# Which form field an engine refusal is about (the rest are shown above the form).
USER_FIELDS = {"directory.login": "login", "directory.user_exists": "login", "directory.unknown_role": "role",
               "directory.unit_required": "unit", "directory.unknown_unit": "unit",
               "directory.password_length": "password", "directory.own_role": "role"}
UNIT_FIELDS = {"directory.unit_code": "code", "directory.unit_exists": "code", "directory.unknown_unit": "parent"}


@bp.route("/")
def index() -> str:
    return _index()


def _index(user_form: dict[str, Any] | None = None, unit_form: dict[str, Any] | None = None) -> str:
    return render_template("admin/index.html", users=users(), units=units(), powers=_powers(), locks=_locks(),
                           unit_names={u.code: u.name for u in units()}, definitions=core().registry.all_latest(),
                           user_form=user_form or {"values": {}, "errors": {}},
                           unit_form=unit_form or {"values": {}, "errors": {}})


def _locks() -> dict[str, str]:
    """Locked logins and when each lock ends (Beijing HH:MM): the security administrator's view only."""
    if not may(GRANT_ROLES):
        return {}
    tz = core().calendar.tzinfo
    return {login: until.astimezone(tz).strftime("%H:%M") for login, until in core().logins.locked_logins().items()}


def _powers() -> dict[str, bool]:
    """Which parts of the administration the current user sees: accounts, roles."""
    return {"accounts": may(ADMINISTER_ACCOUNTS), "roles": may(GRANT_ROLES)}


@bp.route("/users", methods=["POST"])
def add_user() -> str | tuple[str, int]:
    """An account without a role (the security administrator grants one) and with a temporary password,
    shown once, that must be changed at the first login: no administrator chooses a password it can use."""
    f = request.form
    login = f.get("login", "").strip()
    try:
        core().directory.add_user(login, unit=f.get("unit") or None, name=f.get("name") or None,
                                  by=me().login, ip=client_ip())
    except WorkflowError as err:
        form = {"values": f.to_dict(), "errors": _field_error(err, USER_FIELDS)}
        return _index(user_form=form), 400
    added, temporary = core().directory.reset_password(login, by=me().login, ip=client_ip())
    flash(_("User added. A security administrator gives them a role."), "success")
    return _user_page(added, temporary=temporary)


@bp.route("/units", methods=["POST"])
def add_unit() -> Response | tuple[str, int]:
    f = request.form
    try:
        core().directory.add_unit(f.get("code", "").strip(), name=f.get("name") or None,
                                  parent=f.get("parent") or None, by=me().login, ip=client_ip())
    except WorkflowError as err:
        form = {"values": f.to_dict(), "errors": _field_error(err, UNIT_FIELDS)}
        return _index(unit_form=form), 400
    flash(_("Unit added."), "success")
    return redirect(url_for("admin.index"))


@bp.route("/users/<login>")
def user(login: str) -> str:
    return _user_page(_user_or_404(login))


def _values(u: User) -> dict[str, str]:
    return {"name": u.name, "role": u.role, "unit": u.unit or ""}


def _user_page(u: User, *, form: dict[str, Any] | None = None, temporary: str | None = None) -> str:
    values = _values(u)
    return render_template("admin/user.html", u=u, roles=list(core().roles), units=units(), powers=_powers(),
                           no_role=NO_ROLE, protected=core().roles.administrative(u.role),
                           unit_names={x.code: x.name for x in units()}, temporary=temporary,
                           form=form or {"values": values, "errors": {}}, myself=u.login == me().login,
                           locked_until=_locks().get(u.login))


@bp.route("/users/<login>", methods=["POST"])
def change_user(login: str) -> Response | tuple[str, int]:
    """The system administrator's change: name and unit (never the role)."""
    u, f = _user_or_404(login), request.form
    try:
        core().directory.set_user(login, unit=f.get("unit") or None, name=f.get("name", ""), by=me().login,
                                  ip=client_ip())
    except WorkflowError as err:
        return _user_page(u, form={"values": {**_values(u), **f.to_dict()},
                                   "errors": _field_error(err, USER_FIELDS)}), 400
    flash(_("Changes saved."), "success")
    return redirect(url_for("admin.user", login=login))


@bp.route("/users/<login>/role", methods=["POST"])
def change_role(login: str) -> Response | tuple[str, int]:
    """The security administrator's act: give, change or take away (no role) the user's role."""
    u, f = _user_or_404(login), request.form
    try:
        if "role" not in f:
            raise _Missing("role", _("Choose a role."))
        core().directory.set_user(login, role=f["role"], by=me().login, ip=client_ip())
    except (WorkflowError, _Missing) as err:
        return _user_page(u, form={"values": {**_values(u), **f.to_dict()},
                                   "errors": _field_error(err, USER_FIELDS)}), 400
    flash(_("Changes saved."), "success")
    return redirect(url_for("admin.user", login=login))


@bp.route("/users/<login>/disable", methods=["POST"])
def disable_user(login: str) -> Response:
    u = _user_or_404(login)
    try:
        core().directory.disable_user(login, by=me().login, ip=client_ip())
    except InvalidInput as err:
        flash(describe(err), "error")
    else:
        flash(_("%(name)s can no longer log in; their sessions have ended. Their cases stay as they are.",
                name=u.name), "success")
    return redirect(url_for("admin.user", login=login))


@bp.route("/users/<login>/enable", methods=["POST"])
def enable_user(login: str) -> Response:
    u = _user_or_404(login)
    core().directory.enable_user(login, by=me().login, ip=client_ip())
    flash(_("%(name)s can log in again.", name=u.name), "success")
    return redirect(url_for("admin.user", login=login))


@bp.route("/users/<login>/reset-password", methods=["POST"])
def reset_password(login: str) -> str | Response:
    _user_or_404(login)
    # Shown once, on this answer only (never put in the session or a flash message, which a cookie carries).
    try:
        changed, temporary = core().directory.reset_password(login, by=me().login, ip=client_ip())
    except InvalidInput as err:
        flash(describe(err), "error")
        return redirect(url_for("admin.user", login=login))
    return _user_page(changed, temporary=temporary)


@bp.route("/users/<login>/end-sessions", methods=["POST"])
def end_sessions(login: str) -> Response:
    u = _user_or_404(login)
    core().directory.end_sessions(login, by=me().login, ip=client_ip())
    flash(_("All sessions of %(name)s have been ended.", name=u.name), "success")
    return redirect(url_for("admin.user", login=login))


@bp.route("/users/<login>/unlock", methods=["POST"])
def unlock_user(login: str) -> Response:
    """The security administrator lifts a lock left by failed logins (recorded in the access log)."""
    u = _user_or_404(login)
    try:
        core().logins.unlock(login, by=me().login, ip=client_ip())
    except InvalidInput as err:
        flash(describe(err), "error")
    else:
        flash(_("%(name)s is unlocked and may log in again now.", name=u.name), "success")
    return redirect(url_for("admin.user", login=login))


class _Missing(Exception):
    """A required choice left empty on the form (the engine would only call it unknown)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.text = field, message


def _field_error(err: WorkflowError | _Missing, fields: dict[str, str]) -> dict[str, str]:
    """{field: message}; "" for an error that belongs to no one field (shown above the form)."""
    if isinstance(err, _Missing):
        return {err.field: err.text}
    field = fields.get(err.code)
    if field is None and err.code.startswith("text.") and err.params.get("what") in ("user name", "unit name"):
        field = "name"
    return {field or "": describe(err)}


def _user_or_404(login: str) -> User:
    found = core().directory.user(login)
    if found is None:
        abort(404)
    return found

