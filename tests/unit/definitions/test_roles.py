"""Roles as data: definitions/roles.yaml says what each role may do; Python derives every role set from it.

The shipped file must reproduce the policy the product has always had (pinned here role by role), a
misspelt capability is refused with its line, and a new role is a YAML change: the routes, inbox
tabs, definition defaults and alerting follow without touching Python.
"""
from __future__ import annotations

import shutil

import pytest
from factories import REPO

from web.access import ROUTES, allowed_roles
from web.inbox import tabs_for
from workflow.adapters.files.definition_files import load_roles, read_definitions
from workflow.adapters.files.yaml_files import load_yaml_text
from workflow.definitions.roles import (
    ACT,
    ADMINISTER_ACCOUNTS,
    ADMINISTRATIVE,
    ASSIGN,
    AUDIT,
    EDIT_FIELDS,
    FLAG,
    FLAG_ALERTS,
    GRANT_ROLES,
    LISTING_ALERTS,
    READ,
    READ_ALL,
    parse_roles,
)
from workflow.engine.policy import Scope
from workflow.errors import DefinitionError, RoleNotAllowed
from workflow.records import Unit, User

ROLES = load_roles(REPO / "definitions")
ADMINISTRATORS = {"admin", "security_admin", "audit_admin"}
EVERYONE = {"registrar", "handler", "unit_head", "supervisor", "leader", "auditor"} | ADMINISTRATORS


def test_the_shipped_roles_reproduce_the_long_standing_policy():
    readers, actors = EVERYONE - ADMINISTRATORS, EVERYONE - ADMINISTRATORS - {"auditor"}
    expected = {
        "auth.logout": EVERYONE, "cases.show": readers, "cases.fire": actors, "cases.new": actors,
        "cases.assign": {"registrar", "handler", "unit_head", "supervisor"},
        "cases.return_to_queue": {"registrar", "handler", "unit_head", "supervisor"},
        "cases.flag": {"supervisor", "leader"}, "history.audit": {"auditor", "audit_admin"},
        "history.access_log": {"auditor", "audit_admin"}, "dashboard.index": readers,
        "admin.index": {"admin", "security_admin"}, "admin.add_user": {"admin"}, "admin.change_user": {"admin"},
        "admin.change_role": {"security_admin"}, "admin.reset_password": {"admin"},
    }
    assert {e: allowed_roles(e, ROLES) for e in expected} == expected
    assert allowed_roles("auth.login", ROLES) is None  # public
    assert ROLES.read_only() == {"auditor"} | ADMINISTRATORS
    assert set(ROLES.having(ASSIGN)) == {"registrar", "supervisor", "unit_head"}
    assert set(ROLES.having(EDIT_FIELDS)) == {"registrar", "supervisor"}
    assert set(ROLES.having(FLAG)) == {"supervisor", "leader"}
    assert set(ROLES.having(FLAG_ALERTS)) == {"unit_head"}
    assert set(ROLES.having(LISTING_ALERTS)) == {"unit_head", "leader"}
    assert tabs_for(ROLES, "handler") == ["todo", "queue", "all"]
    assert tabs_for(ROLES, "leader") == ["todo", "overdue", "all"]
    assert tabs_for(ROLES, "auditor") == ["overdue", "all"]
    assert tabs_for(ROLES, "admin") == tabs_for(ROLES, "security_admin") == tabs_for(ROLES, "audit_admin") == []


def test_a_misspelt_capability_is_refused_with_its_line():
    text = "roles:\n  clerk:\n    label: {zh: 文书, en: Clerk}\n    may: [act, raed]\n"
    with pytest.raises(DefinitionError) as caught:
        parse_roles(load_yaml_text(text, "roles.yaml"), source="roles.yaml")
    assert caught.value.problems == [
        "roles.yaml:2: role 'clerk': unknown capability 'raed' (known: act, read, read_all, claim, assign, "
        "edit_fields, be_assigned, own_todo, see_overdue, flag, flag_alerts, listing_alerts, audit, "
        "administer_accounts, grant_roles, recompute_deadlines, import_ledger, witness)"]


def test_the_capability_split_by_the_separation_of_duties_is_named_when_an_old_file_uses_it():
    text = "roles:\n  boss:\n    label: {zh: 管理员, en: Boss}\n    may: [administer]\n"
    with pytest.raises(DefinitionError) as caught:
        parse_roles(load_yaml_text(text, "roles.yaml"), source="roles.yaml")
    assert caught.value.problems == ["roles.yaml:2: role 'boss': capability 'administer' was replaced by "
                                     "administer_accounts (accounts, units) and grant_roles (roles): 三员分立"]


def test_the_three_administrators_share_no_power_and_read_no_case():
    powers = {r: ROLES[r].capabilities & set(ADMINISTRATIVE) for r in ADMINISTRATORS}
    assert powers == {"admin": {ADMINISTER_ACCOUNTS}, "security_admin": {GRANT_ROLES}, "audit_admin": {AUDIT}}
    for role in ADMINISTRATORS:
        assert not ROLES[role].capabilities & {ACT, READ, READ_ALL}, role
        assert ROLES.administrative(role)
    assert set(ROLES.having(*ADMINISTRATIVE)) == ADMINISTRATORS | {"auditor"}  # 纪检 reads cases and the logs


def test_asking_for_an_unknown_capability_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown capability 'fly'"):
        ROLES.may("handler", "fly")


def test_a_new_role_is_a_yaml_change(tmp_path):
    folder = tmp_path / "definitions"
    shutil.copytree(REPO / "definitions", folder)
    roles_file = folder / "roles.yaml"
    roles_file.write_text(roles_file.read_text(encoding="utf-8") + (
        "  inspector:\n    label: {zh: 巡查员, en: Inspector}\n    may: [read, see_overdue, flag, listing_alerts]\n"),
        encoding="utf-8")
    roles = load_roles(folder)
    assert allowed_roles("cases.show", roles) >= {"inspector"}
    assert "inspector" not in allowed_roles("cases.fire", roles)
    assert "inspector" in allowed_roles("cases.flag", roles)
    assert tabs_for(roles, "inspector") == ["overdue", "all"]
    assert "inspector" in roles.having(LISTING_ALERTS)
    # A definition may now name the role (read-only roles may only be given visibility).
    clue = next(f.definition for f in read_definitions([folder / "clue.yaml"], roles))
    user = User("insp", "巡查员", "inspector", "xf-sfj")
    scope = Scope([Unit("xf-sfj", "县局", None), Unit("xf-sfs-1", "城区所", "xf-sfj")], roles)
    assert not scope.can_view(user, clue, "xf-sfs-1")  # clues are confidential to their listed roles
    with pytest.raises(RoleNotAllowed, match="read-only"):
        scope.check_act(user, clue, "xf-sfs-1")


def test_every_route_is_governed_by_capabilities_the_vocabulary_knows():
    known = {c for needed in ROUTES.values() if needed for c in needed}
    for capability in known - {"*"}:
        ROLES.having(capability)  # raises on a capability that does not exist
