"""`rectiflow unit add` and `rectiflow user add|set|disable|enable|reset-password|add-security-admin|locked|unlock`:
the organisation tree and its people. Each change is recorded in the access log as done by the operator
(`system:cli`), who holds every administrative power at the host: `user set --role` is the security
administrator's act (recorded as a role grant, change or revocation), and `user add-security-admin` creates
the first security administrator of a deployment upgraded to 三员分立. `user unlock LOGIN --as LOGIN` lifts a
lock left by failed logins as the security administrator named (the system and audit administrators may not)."""
from __future__ import annotations

import sys
from typing import Any

import click

from rectiflow.common import application, handles_errors, json_option
from rectiflow.output import emit
from workflow.definitions.roles import GRANT_ROLES
from workflow.directory.staff import KEEP, Keep
from workflow.errors import InvalidInput
from workflow.records import User


@click.group()
def unit() -> None:
    """Units: bureau → departments / 司法所 → law firms, institutions."""


@unit.command("add")
@click.argument("code")
@click.option("--parent", default=None, help="Code of the parent unit.")
@click.option("--name", default=None, help="Display name (defaults to the code).")
@json_option
@handles_errors
def unit_add(code: str, parent: str | None, name: str | None, as_json: bool) -> None:
    u = application().directory.add_unit(code, name=name, parent=parent)
    emit(as_json, {"code": u.code, "name": u.name, "parent": u.parent}, f"unit {u.code} added")


@click.group()
def user() -> None:
    """Users and their roles."""


@user.command("add")
@click.argument("login")
@click.option("--role", required=True,
              help="A role of definitions/roles.yaml: registrar, handler, unit_head, supervisor, leader, auditor, "
                   "admin, security_admin or audit_admin.")
@click.option("--unit", "unit_code", default=None,
              help="The user's unit code (required for roles that work within a unit: those with `read`, "
                   "not `read_all`).")
@click.option("--name", default=None)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@json_option
@handles_errors
def user_add(login: str, role: str, unit_code: str | None, name: str | None, password_stdin: bool,
             as_json: bool) -> None:
    password = password_from_stdin() if password_stdin else None
    u = application().directory.add_user(login, role=role, unit=unit_code, name=name, password=password)
    emit(as_json, {"login": u.login, "role": u.role, "unit": u.unit}, f"user {u.login} ({u.role}) added")


@user.command("set")
@click.argument("login")
@click.option("--role", default=None,
              help="The new role (the security administrator's act: recorded as a role grant or change).")
@click.option("--unit", "unit_code", default=None, help="The new unit code.")
@click.option("--no-unit", is_flag=True, help="Take the user out of any unit (county-wide roles only).")
@click.option("--name", default=None, help="The new display name.")
@json_option
@handles_errors
def user_set(login: str, role: str | None, unit_code: str | None, no_unit: bool, name: str | None,
             as_json: bool) -> None:
    """Change a user's role, unit or display name (what is not given stays)."""
    if unit_code is not None and no_unit:
        raise click.UsageError("give --unit or --no-unit, not both")
    if role is None and unit_code is None and not no_unit and name is None:
        raise click.UsageError("nothing to change: give --role, --unit, --no-unit or --name")
    unit: str | Keep | None = None if no_unit else (KEEP if unit_code is None else unit_code)
    u = application().directory.set_user(login, role=KEEP if role is None else role, unit=unit,
                                         name=KEEP if name is None else name)
    emit(as_json, _user_json(u), f"user {u.login}: role {u.role}, unit {u.unit or '-'}, name {u.name}")


@user.command("disable")
@click.argument("login")
@json_option
@handles_errors
def user_disable(login: str, as_json: bool) -> None:
    """The user can no longer log in and their sessions end; their cases stay as they are."""
    u = application().directory.disable_user(login)
    emit(as_json, _user_json(u), f"user {u.login} disabled")


@user.command("enable")
@click.argument("login")
@json_option
@handles_errors
def user_enable(login: str, as_json: bool) -> None:
    u = application().directory.enable_user(login)
    emit(as_json, _user_json(u), f"user {u.login} enabled")


@user.command("reset-password")
@click.argument("login")
@click.option("--password-stdin", is_flag=True,
              help="Read the temporary password from standard input (else one is generated and printed).")
@json_option
@handles_errors
def user_reset_password(login: str, password_stdin: bool, as_json: bool) -> None:
    """Give the user a temporary password; they must change it at their next login. Their sessions end."""
    given = password_from_stdin() if password_stdin else None
    u, temporary = application().directory.reset_password(login, password=given)
    data = {**_user_json(u), **({} if given else {"temporary_password": temporary})}
    shown = "the password given" if given else temporary
    emit(as_json, data, f"user {u.login}: temporary password {shown} (to be changed at the next login)")


@user.command("add-security-admin")
@click.argument("login")
@click.option("--name", default=None, help="Display name (defaults to the login).")
@click.option("--password-stdin", is_flag=True,
              help="Read the temporary password from standard input (else one is generated and printed).")
@json_option
@handles_errors
def user_add_security_admin(login: str, name: str | None, password_stdin: bool, as_json: bool) -> None:
    """Create a security administrator (the role that grants roles) with a temporary password that must be
    changed at the first login: how a deployment from before 三员分立 gets its first one."""
    app = application()
    granting = app.roles.having(GRANT_ROLES)
    if not granting:
        raise InvalidInput("no role of definitions/roles.yaml may grant roles (grant_roles)")
    given = password_from_stdin() if password_stdin else None
    app.directory.add_user(login, role=granting[0], name=name)
    u, temporary = app.directory.reset_password(login, password=given)
    data = {**_user_json(u), **({} if given else {"temporary_password": temporary})}
    shown = "the password given" if given else temporary
    emit(as_json, data, f"security administrator {u.login} ({u.role}) added: temporary password {shown} "
                        "(to be changed at the first login)")


@user.command("locked")
@json_option
@handles_errors
def user_locked(as_json: bool) -> None:
    """The logins locked now after failed attempts, and when each lock ends (local time)."""
    app = application()
    tz = app.calendar.tzinfo
    locks = {login: until.astimezone(tz) for login, until in app.logins.locked_logins().items()}
    emit(as_json, {"locked": [{"login": login, "until": until.isoformat(timespec="minutes")}
                              for login, until in locks.items()]},
         "\n".join(f"{login}: locked until {until:%Y-%m-%d %H:%M}" for login, until in locks.items())
         or "no login is locked")


@user.command("unlock")
@click.argument("login")
@click.option("--as", "as_login", required=True, metavar="SECURITY_ADMIN_LOGIN",
              help="The security administrator who unlocks (recorded in the access log as the actor).")
@json_option
@handles_errors
def user_unlock(login: str, as_login: str, as_json: bool) -> None:
    """Lift the lock a login got after too many failed attempts, before it ends by itself."""
    app = application()
    until = app.logins.unlock(login, by=as_login).astimezone(app.calendar.tzinfo)
    emit(as_json, {"login": login, "unlocked_by": as_login, "was_locked_until": until.isoformat(timespec="minutes")},
         f"user {login} unlocked (the lock would have ended at {until:%Y-%m-%d %H:%M})")


def password_from_stdin() -> str:
    try:  # bytes, decoded here: the text stream's own decoding depends on the locale
        password = sys.stdin.buffer.readline().decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        raise InvalidInput("the password on standard input is not valid UTF-8 text") from None
    if not password:
        raise InvalidInput("no password on standard input")
    return password


def _user_json(u: User) -> dict[str, Any]:
    return {"login": u.login, "name": u.name, "role": u.role, "unit": u.unit, "active": u.active,
            "must_change_password": u.must_change_password}


COMMANDS = (unit, user,)
