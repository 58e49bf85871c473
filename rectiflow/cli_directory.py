"""`rectiflow unit add` and `rectiflow user add`: the organisation tree and its people."""
from __future__ import annotations

import sys

import click

from rectiflow.common import application, handles_errors, json_option
from rectiflow.output import emit
from workflow.errors import InvalidInput


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
@click.option("--role", required=True, help="registrar, handler, unit_head, supervisor, leader, auditor or admin.")
@click.option("--unit", "unit_code", default=None, help="The user's unit code.")
@click.option("--name", default=None)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@json_option
@handles_errors
def user_add(login: str, role: str, unit_code: str | None, name: str | None, password_stdin: bool,
             as_json: bool) -> None:
    password = None
    if password_stdin:
        try:  # bytes, decoded here: the text stream's own decoding depends on the locale
            password = sys.stdin.buffer.readline().decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            raise InvalidInput("the password on standard input is not valid UTF-8 text") from None
        if not password:
            raise InvalidInput("no password on standard input")
    u = application().directory.add_user(login, role=role, unit=unit_code, name=name, password=password)
    emit(as_json, {"login": u.login, "role": u.role, "unit": u.unit}, f"user {u.login} ({u.role}) added")


COMMANDS = (unit, user,)
