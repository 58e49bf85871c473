"""三员分立 at the host: `rectiflow user add-security-admin` creates a deployment's first security administrator
(a temporary password, to be changed at the first login), and `user set --role` — the security administrator's
act — keeps working for the operator and is recorded as a role grant, change or revocation."""
from __future__ import annotations

from cli_runner import clean_failure
from test_cli_users import logged, looked_up


def test_add_security_admin_creates_one_with_a_temporary_password(cli):
    data = cli.json("user", "add-security-admin", "sec1", "--name", "安全管理员 何静")
    assert (data["login"], data["role"], data["name"], data["unit"]) == \
        ("sec1", "security_admin", "安全管理员 何静", None)
    assert data["must_change_password"] and len(data["temporary_password"]) == 12
    assert looked_up(cli, "sec1").must_change_password
    assert [(a, action) for a, action, _ in logged(cli, 2)] == [("system:cli", "add_user"),
                                                               ("system:cli", "reset_password")]
    assert logged(cli, 2)[0][2] == {"user": "sec1", "role": "security_admin", "unit": None}


def test_add_security_admin_reads_the_password_from_stdin_and_prints_it_nowhere(cli):
    result = cli.ok("user", "add-security-admin", "sec2", "--password-stdin", input="told-in-person\n")
    assert "told-in-person" not in result.stdout
    assert "security administrator sec2 (security_admin) added" in result.stdout
    taken = cli("user", "add-security-admin", "sec2")
    clean_failure(taken, 1)
    assert "user 'sec2' already exists" in taken.stderr


def test_the_operators_role_change_is_recorded_as_a_grant_or_revocation(cli):
    cli.ok("user", "add", "newcomer", "--role", "audit_admin")
    cli.ok("user", "set", "newcomer", "--role", "security_admin")
    assert logged(cli, 1) == [("system:cli", "change_role",
                               {"user": "newcomer", "role": "security_admin", "previous": "audit_admin"})]
