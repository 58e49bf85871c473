"""The directory's administration (workflow.directory.staff) on the in-memory store: a unit for every role
that works within one, disabling and enabling, role / unit / name changes, password resets and a user's own
change — each recorded in the access log by whom, to whom and from where, in the transaction of the change."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from factories import REPO

from workflow.adapters.files.definition_files import load_roles
from workflow.adapters.memory.store import MemoryStore
from workflow.clock import FixedClock
from workflow.directory.staff import KEEP, OPERATOR, TEMPORARY_LENGTH, Directory
from workflow.errors import InvalidInput, UnknownUnit, UnknownUser

ROLES = load_roles(REPO / "definitions")
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
def directory():
    store = MemoryStore()
    d = Directory(store, ROLES, FixedClock(NOW))
    d.add_unit("bureau", name="司法局")
    d.add_unit("office", name="城区司法所", parent="bureau")
    d.add_user("admin", role="admin", name="管理员")
    d.add_user("security", role="security_admin", name="安全管理员")
    d.add_user("auditadmin", role="audit_admin", name="审计管理员")
    d.add_user("li", role="handler", unit="office", name="李强", password="first-password")
    return d


def log(d: Directory) -> list[tuple[str, str, str, dict]]:
    """(actor, action, outcome, detail) of every access log entry, oldest first."""
    with d.store.read() as tx:
        return [(e.actor, e.action, e.outcome, e.detail) for e in tx.access_log_after(0, limit=100)]


def codes_of(call) -> str:
    with pytest.raises(InvalidInput) as err:
        call()
    return err.value.code


def test_the_roles_that_work_within_a_unit_are_those_that_read_but_not_county_wide():
    assert {r for r in ROLES if ROLES.needs_unit(r)} == {"registrar", "handler", "unit_head", "supervisor", "leader"}
    assert not ROLES.needs_unit("auditor") and not ROLES.needs_unit("admin") and not ROLES.needs_unit("")


@pytest.mark.parametrize("role", ["registrar", "handler", "unit_head", "supervisor", "leader"])
def test_a_user_of_a_unit_bound_role_needs_a_unit(directory, role):
    before = log(directory)
    with pytest.raises(InvalidInput) as err:
        directory.add_user("newcomer", role=role, name="新人")
    assert (err.value.code, err.value.params) == ("directory.unit_required", {"role": role})
    assert directory.user("newcomer") is None and log(directory) == before


def test_county_wide_roles_and_administrators_may_have_no_unit(directory):
    assert directory.add_user("reader", role="auditor").unit is None
    assert directory.add_user("admin2", role="admin").unit is None


def test_adding_units_and_users_is_recorded_by_whom_and_from_where(directory):
    directory.add_user("zhao", unit="office", by="admin", ip="10.0.0.7")
    with directory.store.read() as tx:
        last = tx.access_log_after(0, limit=100)[-1]
    assert (last.actor, last.action, last.ip) == ("admin", "add_user", "10.0.0.7")
    assert last.at == "2026-03-02T01:00:00.000000Z"
    assert last.detail == {"user": "zhao", "role": "", "unit": "office"}
    assert [a for _, a, _, _ in log(directory)] == ["add_unit", "add_unit"] + ["add_user"] * 5
    assert log(directory)[0] == (OPERATOR, "add_unit", "ok", {"unit": "bureau", "name": "司法局", "parent": None})


def test_role_unit_and_name_change_and_each_change_is_recorded(directory):
    changed = directory.set_user("li", role="unit_head", by="security", ip="10.0.0.9")
    assert (changed.role, changed.unit, changed.name) == ("unit_head", "office", "李强")
    assert log(directory)[-1] == ("security", "change_role", "ok",
                                  {"user": "li", "role": "unit_head", "previous": "handler"})
    renamed = directory.set_user("li", name="李强（所长）", by="admin")
    assert renamed.name == "李强（所长）"
    assert log(directory)[-1] == ("admin", "change_user", "ok",
                                  {"user": "li", "changes": {"name": ["李强", "李强（所长）"]}})
    moved = directory.set_user("li", unit="bureau", by="admin")
    assert moved.unit == "bureau" and log(directory)[-1][3]["changes"] == {"unit": ["office", "bureau"]}
    entries = len(log(directory))
    assert directory.set_user("li", role="unit_head", unit="bureau", by="admin") == moved  # nothing changes
    assert len(log(directory)) == entries  # …and nothing is recorded
    auditor = directory.set_user("li", role="auditor", unit=None)  # the operator at the host may do both
    assert (auditor.role, auditor.unit) == ("auditor", None)
    assert [a for _, a, _, _ in log(directory)[-2:]] == ["change_role", "change_user"]


def test_a_change_that_breaks_a_rule_writes_nothing(directory):
    before, li = log(directory), directory.user("li")
    assert codes_of(lambda: directory.set_user("li", unit=None, by="admin")) == "directory.unit_required"
    assert codes_of(lambda: directory.set_user("li", role="wizard", by="security")) == "directory.unknown_role"
    assert codes_of(lambda: directory.set_user("li", name="  ", by="admin")) == "text.empty"
    with pytest.raises(UnknownUnit):
        directory.set_user("li", unit="nowhere", by="admin")
    with pytest.raises(UnknownUser):
        directory.set_user("ghost", role="handler", unit="office", by="admin")
    assert directory.user("li") == li and log(directory) == before


def test_an_administrator_cannot_lock_themselves_out(directory):
    assert codes_of(lambda: directory.disable_user("admin", by="admin")) == "directory.own_account"
    assert directory.set_user("admin", name="系统管理员", by="admin").name == "系统管理员"  # the rest they may change
    assert directory.user("admin").active


def test_a_disabled_user_cannot_log_in_and_loses_their_sessions_until_enabled(directory):
    token = directory.user("li").session_token
    disabled = directory.disable_user("li", by="admin", ip="10.0.0.7")
    assert not disabled.active and disabled.session_token != token
    assert directory.authenticate("li", "first-password") is None
    assert log(directory)[-1] == ("admin", "disable_user", "ok", {"user": "li"})
    entries = len(log(directory))
    directory.disable_user("li", by="admin")  # already disabled: nothing to do, nothing recorded
    assert len(log(directory)) == entries
    assert directory.enable_user("li", by="admin").active
    assert directory.authenticate("li", "first-password") is not None
    assert log(directory)[-1] == ("admin", "enable_user", "ok", {"user": "li"})
    with pytest.raises(UnknownUser):
        directory.disable_user("ghost", by="admin")


def test_a_reset_password_works_once_and_must_be_changed(directory):
    token = directory.user("li").session_token
    user, temporary = directory.reset_password("li", by="admin")
    assert len(temporary) == TEMPORARY_LENGTH and not set(temporary) & set("0O1lI")  # read off a screen
    assert user.must_change_password and user.session_token != token
    assert directory.authenticate("li", "first-password") is None
    assert directory.authenticate("li", temporary) is not None
    assert log(directory)[-1] == ("admin", "reset_password", "ok", {"user": "li", "generated": True})
    _, given = directory.reset_password("li", password="told-by-phone", by=OPERATOR)
    assert given == "told-by-phone" and directory.authenticate("li", "told-by-phone") is not None
    assert log(directory)[-1][3] == {"user": "li", "generated": False}
    assert codes_of(lambda: directory.reset_password("li", password="short")) == "directory.password_length"


def test_a_users_own_change_needs_the_current_password_and_the_new_one_twice(directory):
    directory.reset_password("li", password="temporary-1")
    change = directory.change_password
    assert codes_of(lambda: change("li", current="temporary-1", new="new-password", repeat="new-passw0rd")) \
        == "directory.passwords_differ"
    assert codes_of(lambda: change("li", current="temporary-1", new="short", repeat="short")) \
        == "directory.password_length"
    assert codes_of(lambda: change("li", current="temporary-1", new="temporary-1", repeat="temporary-1")) \
        == "directory.password_unchanged"
    assert codes_of(lambda: change("li", current="wrong-guess", new="new-password", repeat="new-password")) \
        == "directory.wrong_password"
    assert log(directory)[-1] == ("li", "change_password", "failed", {"user": "li"})  # a wrong guess is recorded
    token = directory.user("li").session_token
    user = change("li", current="temporary-1", new="new-password", repeat="new-password", ip="10.0.0.9")
    assert not user.must_change_password and user.session_token != token
    assert directory.authenticate("li", "new-password") is not None
    assert directory.authenticate("li", "temporary-1") is None
    assert log(directory)[-1] == ("li", "change_password", "ok", {"user": "li"})


def test_a_disabled_user_cannot_change_their_password(directory):
    directory.disable_user("li", by="admin")
    with pytest.raises(UnknownUser):
        directory.change_password("li", current="first-password", new="new-password", repeat="new-password")


def test_ending_sessions_is_recorded_only_when_an_administrator_does_it(directory):
    assert directory.end_sessions("li")  # the user logging out
    assert log(directory)[-1][1] == "add_user"
    assert directory.end_sessions("li", by="admin", ip="10.0.0.7")
    assert log(directory)[-1] == ("admin", "end_sessions", "ok", {"user": "li"})
    assert not directory.end_sessions("ghost", by="admin")


def test_keep_leaves_every_attribute_as_it_was(directory):
    li = directory.user("li")
    assert directory.set_user("li", role=KEEP, unit=KEEP, name=KEEP) == li
