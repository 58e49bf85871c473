"""`rectiflow user set|disable|enable|reset-password` and the unit rule of `user add`: what they print (with and
without --json), their exit codes, and what they change — each change recorded as done from the command line."""
from __future__ import annotations

from cli_runner import clean_failure, one_json

from workflow.bootstrap import build
from workflow.config import Settings


def directory_of(cli):
    """An engine over the CLI's database, to look at what a command changed (the caller closes it)."""
    return build(Settings.from_env(cli.env), sync=False)


def looked_up(cli, login):
    app = directory_of(cli)
    try:
        return app.directory.user(login)
    finally:
        app.close()


def logged(cli, limit=20):
    app = directory_of(cli)
    try:
        with app.store.read() as tx:
            return [(e.actor, e.action, e.detail) for e in tx.access_log_after(0, limit=1000)][-limit:]
    finally:
        app.close()


def authenticates(cli, login, password) -> bool:
    app = directory_of(cli)
    try:
        return app.directory.authenticate(login, password) is not None
    finally:
        app.close()


def test_a_unit_bound_role_needs_a_unit(cli):
    for role in ("registrar", "handler", "unit_head", "supervisor", "leader"):
        result = cli("user", "add", "newcomer", "--role", role, "--json")
        clean_failure(result, 1)
        assert one_json(result)["code"] == "directory.unit_required"
    assert looked_up(cli, "newcomer") is None
    added = cli.json("user", "add", "reader", "--role", "auditor")
    assert added == {"login": "reader", "role": "auditor", "unit": None}


def test_user_set_changes_role_unit_and_name(cli):
    assert cli.json("user", "set", "handler", "--role", "unit_head", "--unit", "xf-sfs-2", "--name", "李强") == {
        "login": "handler", "name": "李强", "role": "unit_head", "unit": "xf-sfs-2", "active": True,
        "must_change_password": False}
    text = cli.ok("user", "set", "handler", "--name", "李强（所长）").stdout
    assert text.strip() == "user handler: role unit_head, unit xf-sfs-2, name 李强（所长）"
    assert cli.json("user", "set", "leader", "--role", "auditor", "--no-unit")["unit"] is None
    assert logged(cli, 2) == [  # the operator's role change is recorded as the security administrator's act
        ("system:cli", "change_role", {"user": "leader", "role": "auditor", "previous": "leader"}),
        ("system:cli", "change_user", {"user": "leader", "changes": {"unit": ["xf-sfj", None]}})]


def test_user_set_refuses_what_breaks_a_rule(cli):
    refused = cli("user", "set", "handler", "--no-unit", "--json")
    clean_failure(refused, 1)
    assert one_json(refused)["message"] == "role 'handler' works within a unit: the user needs a unit"
    clean_failure(cli("user", "set", "handler", "--unit", "xf-nowhere"), 1)
    clean_failure(cli("user", "set", "handler", "--role", "wizard"), 1)
    unknown = cli("user", "set", "ghost", "--role", "handler", "--json")
    clean_failure(unknown, 1)
    assert one_json(unknown)["code"] == "directory.unknown_user"
    clean_failure(cli("user", "set", "handler"), 2)  # nothing to change
    clean_failure(cli("user", "set", "handler", "--unit", "xf-sfs-2", "--no-unit"), 2)
    user = looked_up(cli, "handler")
    assert (user.role, user.unit) == ("handler", "xf-sfs-1")


def test_disable_and_enable(cli):
    cli.ok("user", "reset-password", "handler", "--password-stdin", input="a-long-password\n")
    token = looked_up(cli, "handler").session_token
    assert cli.ok("user", "disable", "handler").stdout.strip() == "user handler disabled"
    user = looked_up(cli, "handler")
    assert not user.active and user.session_token != token and user.unit == "xf-sfs-1"
    assert not authenticates(cli, "handler", "a-long-password")
    assert cli.json("user", "disable", "handler")["active"] is False  # again: nothing to do
    assert cli.json("user", "enable", "handler")["active"] is True
    assert authenticates(cli, "handler", "a-long-password")
    assert [a for _, a, _ in logged(cli, 3)] == ["reset_password", "disable_user", "enable_user"]
    clean_failure(cli("user", "disable", "ghost"), 1)


def test_reset_password_prints_a_temporary_password_or_takes_one(cli):
    data = cli.json("user", "reset-password", "handler")
    temporary = data.pop("temporary_password")
    assert data == {"login": "handler", "name": "承办人 李强", "role": "handler", "unit": "xf-sfs-1", "active": True,
                    "must_change_password": True}
    assert len(temporary) == 12 and authenticates(cli, "handler", temporary)
    text = cli.ok("user", "reset-password", "unit_head").stdout.strip()
    assert text.startswith("user unit_head: temporary password ") and text.endswith("(to be changed at the next login)")
    given = cli.json("user", "reset-password", "handler", "--password-stdin", input="told-by-phone\n")
    assert "temporary_password" not in given and given["must_change_password"] is True
    assert authenticates(cli, "handler", "told-by-phone") and not authenticates(cli, "handler", temporary)
    assert logged(cli, 1) == [("system:cli", "reset_password", {"user": "handler", "generated": False})]
    short = cli("user", "reset-password", "handler", "--password-stdin", "--json", input="short\n")
    clean_failure(short, 1)
    assert one_json(short)["code"] == "directory.password_length"
    clean_failure(cli("user", "reset-password", "handler", "--password-stdin", input=""), 1)
    clean_failure(cli("user", "reset-password", "ghost"), 1)
