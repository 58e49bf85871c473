"""三员分立 (GB/T 22239-2019 8.1.5) at the service, whoever calls it: the system administrator manages accounts
and units but grants no role; the security administrator grants roles but adds no account; the audit
administrator changes nothing; nobody changes their own role; an administrator's password is reset only at
the host; every grant, change and revocation is its own access-log entry naming who, whom and what."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from factories import REPO

from workflow.adapters.files.definition_files import load_roles
from workflow.adapters.memory.store import MemoryStore
from workflow.clock import FixedClock
from workflow.directory.staff import Directory
from workflow.errors import InvalidInput, RoleNotAllowed, UnknownUser

ROLES = load_roles(REPO / "definitions")
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
def directory():
    d = Directory(MemoryStore(), ROLES, FixedClock(NOW))
    d.add_unit("bureau", name="司法局")
    d.add_user("admin", role="admin", name="系统管理员")
    d.add_user("sec", role="security_admin", name="安全管理员")
    d.add_user("sec2", role="security_admin", name="安全管理员乙")
    d.add_user("aud", role="audit_admin", name="审计管理员")
    d.add_user("li", role="handler", unit="bureau", name="李强", password="first-password")
    return d


def entries(d: Directory) -> list[tuple[str, str, dict]]:
    with d.store.read() as tx:
        return [(e.actor, e.action, e.detail) for e in tx.access_log_after(0, limit=100)]


def refused(call) -> tuple[str, dict]:
    with pytest.raises((RoleNotAllowed, InvalidInput)) as err:
        call()
    return err.value.code, err.value.params


def test_the_system_administrator_cannot_change_or_give_a_role(directory):
    before = entries(directory)
    code, params = refused(lambda: directory.set_user("li", role="supervisor", by="admin"))
    assert code == "access.capability" and params["roles"] == ["security_admin"]
    assert refused(lambda: directory.add_user("new", role="auditor", by="admin"))[0] == "access.capability"
    assert directory.user("li").role == "handler" and directory.user("new") is None
    assert entries(directory) == before


def test_the_system_administrator_adds_accounts_without_a_role_and_a_password_it_gave_must_be_changed(directory):
    added = directory.add_user("wang", unit="bureau", name="王敏", password="chosen-by-admin", by="admin")
    assert added.role == "" and added.must_change_password
    assert directory.set_user("wang", role="registrar", by="sec").role == "registrar"
    assert entries(directory)[-1] == ("sec", "grant_role", {"user": "wang", "role": "registrar", "previous": ""})


def test_the_security_administrator_cannot_add_accounts_units_or_touch_passwords(directory):
    for call in (lambda: directory.add_user("new", by="sec"), lambda: directory.add_unit("u2", by="sec"),
                 lambda: directory.disable_user("li", by="sec"), lambda: directory.reset_password("li", by="sec"),
                 lambda: directory.end_sessions("li", by="sec"), lambda: directory.set_user("li", name="x", by="sec")):
        code, params = refused(call)
        assert (code, params["roles"]) == ("access.capability", ["admin"])


def test_the_audit_administrator_changes_nothing(directory):
    before = entries(directory)
    for call in (lambda: directory.add_user("new", by="aud"), lambda: directory.add_unit("u2", by="aud"),
                 lambda: directory.set_user("li", role="leader", by="aud"),
                 lambda: directory.set_user("li", name="x", by="aud"), lambda: directory.disable_user("li", by="aud"),
                 lambda: directory.enable_user("li", by="aud"), lambda: directory.reset_password("li", by="aud"),
                 lambda: directory.end_sessions("li", by="aud")):
        assert refused(call)[0] == "access.capability"
    assert entries(directory) == before


def test_nobody_changes_their_own_role(directory):
    assert refused(lambda: directory.set_user("sec", role="admin", by="sec"))[0] == "directory.own_role"
    assert refused(lambda: directory.set_user("sec", role="", by="sec"))[0] == "directory.own_role"
    assert directory.user("sec").role == "security_admin"
    # …another security administrator may, and the revocation is recorded as one
    assert directory.set_user("sec", role="", by="sec2").role == ""
    assert entries(directory)[-1] == ("sec2", "revoke_role", {"user": "sec", "role": "", "previous": "security_admin"})


def test_an_administrators_password_is_reset_only_at_the_host(directory):
    for target in ("sec", "aud", "admin"):
        assert refused(lambda t=target: directory.reset_password(t, by="admin")) == \
            ("directory.administrator_password", {"user": target})
    user, temporary = directory.reset_password("sec")  # the operator, at the server
    assert user.must_change_password and directory.authenticate("sec", temporary) is not None
    _, temporary = directory.reset_password("li", by="admin")  # a case role's: a one-time temporary password
    assert directory.user("li").must_change_password


def test_a_disabled_or_unknown_administrator_acts_no_more(directory):
    directory.disable_user("sec2", by="admin")
    with pytest.raises(UnknownUser):
        directory.set_user("li", role="leader", by="sec2")
    with pytest.raises(UnknownUser):
        directory.add_unit("u2", by="ghost")


@pytest.mark.parametrize("role", ["admin", "security_admin", "audit_admin"])
def test_no_administrator_sees_or_acts_on_a_case_of_any_type(role):
    from workflow.adapters.files.definition_files import definition_paths, read_definitions
    from workflow.engine.policy import Scope
    from workflow.records import Unit, User

    scope = Scope([Unit("xf-sfj", "县局", None), Unit("xf-sfs-1", "城区所", "xf-sfj")], ROLES)
    user = User(role, "管理员", role, None)
    paths = [p for p in definition_paths(REPO / "definitions") if p.name != "roles.yaml"]
    definitions = [f.definition for f in read_definitions(paths, ROLES) if getattr(f, "definition", None) is not None]
    assert definitions
    for defn in definitions:
        assert not scope.can_view(user, defn, "xf-sfs-1") and not scope.can_view(user, defn, "xf-sfj")
        with pytest.raises(RoleNotAllowed):
            scope.check_act(user, defn, "xf-sfs-1")
