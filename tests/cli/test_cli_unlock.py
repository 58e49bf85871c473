"""`rectiflow user locked` and `rectiflow user unlock LOGIN --as SECURITY_ADMIN_LOGIN`: the security administrator
lifts a lock left by failed logins (one access-log row, the administrator as its actor); the system and audit
administrators are refused (exit 3, nothing changed, nothing logged); an unlocked login is a clear refusal."""
from __future__ import annotations

import pytest
from cli_runner import clean_failure
from test_cli_users import directory_of, logged


def lock(cli, login: str = "handler") -> None:
    app = directory_of(cli)
    try:
        for _ in range(app.logins.policy.per_login):
            app.logins.login(login, "wrong-password", "10.0.0.7")
    finally:
        app.close()


def test_security_admin_unlocks_and_it_is_logged(cli):
    lock(cli)
    assert cli.json("user", "locked") == {"locked": [{"login": "handler", "until": "2026-03-02T09:05+08:00"}]}
    assert "handler: locked until 2026-03-02 09:05" in cli.ok("user", "locked").stdout
    data = cli.json("user", "unlock", "handler", "--as", "security_admin")
    assert data == {"login": "handler", "unlocked_by": "security_admin", "was_locked_until": "2026-03-02T09:05+08:00"}
    [(actor, _, detail)] = [row for row in logged(cli, 3) if row[1] == "unlock_user"]
    assert (actor, detail["user"]) == ("security_admin", "handler")
    assert cli.ok("user", "locked").stdout.strip() == "no login is locked"


@pytest.mark.parametrize("login", ["admin", "audit_admin"])
def test_other_administrators_are_refused(cli, login):
    lock(cli)
    result = cli("user", "unlock", "handler", "--as", login)
    clean_failure(result, 3)
    assert f"role '{login}' may not unlock accounts" in result.stderr
    assert cli.json("user", "locked")["locked"][0]["login"] == "handler"
    assert not [row for row in logged(cli, 5) if row[1] == "unlock_user"]


def test_unlocking_what_is_not_locked_or_without_as_is_refused(cli):
    result = cli("user", "unlock", "handler", "--as", "security_admin")
    clean_failure(result, 1)
    assert "handler is not locked" in result.stderr
    unknown = cli("user", "unlock", "nobody", "--as", "security_admin")
    clean_failure(unknown, 1)
    assert "unknown user 'nobody'" in unknown.stderr
    missing_as = cli("user", "unlock", "handler")
    assert missing_as.exit_code == 2 and "--as" in missing_as.stderr
