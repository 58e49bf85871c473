"""CaseService rules: roles, unit scope, confidential types, read-only roles, fields, comments, four-eyes,
attachments, references, opaque ids and history — each refusal names its reason and writes nothing."""
from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from factories import EVIDENCE, LEDGER_INTAKE, event_count, open_ledger, seed_directory, walk

from workflow.cases.validation import MAX_ATTACHMENTS_PER_STEP, Attachment
from workflow.engine.policy import Scope
from workflow.errors import (
    CaseNotFound,
    FieldNotAllowed,
    GuardRejected,
    ImmutableField,
    InvalidInput,
    MissingField,
    RoleNotAllowed,
    TransitionNotAllowed,
    UnknownUnit,
    UnknownUser,
)


def refused(app, error, match, call, *args, **kwargs):
    """`call` raises `error` with a message matching `match`, and no event is written."""
    before = event_count(app)
    with pytest.raises(error, match=match):
        call(*args, **kwargs)
    assert event_count(app) == before


# ---- roles and scope --------------------------------------------------------------------------
def test_a_role_not_listed_on_the_transition_is_refused(ledger_app):
    case = open_ledger(ledger_app)
    refused(ledger_app, RoleNotAllowed, r"role 'handler' may not 'verify' \(allowed: supervisor, unit_head\)",
            ledger_app.cases.advance, case.id, "verify", actor="handler")
    assert ledger_app.cases.advance(case.id, "verify", actor="unit_head").state == "verified"


def test_a_unit_user_cannot_act_on_another_units_case(ledger_app):
    s = ledger_app.cases
    other = open_ledger(ledger_app, unit="xf-sfs-2")
    refused(ledger_app, RoleNotAllowed, r"unit_head \(xf-sfs-1\) does not cover unit 'xf-sfs-2'",
            s.advance, other.id, "verify", actor="unit_head")
    walk(ledger_app, other.id, "handling")
    refused(ledger_app, RoleNotAllowed, r"handler \(xf-sfs-1\) does not cover unit 'xf-sfs-2'",
            s.advance, other.id, "report", actor="handler", fields={"verdict": "fixed"}, attachments=[EVIDENCE])
    refused(ledger_app, RoleNotAllowed, "does not cover unit 'xf-sfs-2'",
            s.add_comment, other.id, actor="handler", text="看一下")
    refused(ledger_app, RoleNotAllowed, "does not cover unit 'xf-sfs-2'",
            open_ledger, ledger_app, actor="handler", unit="xf-sfs-2")


def test_bureau_level_users_cover_every_unit(ledger_app):
    case = open_ledger(ledger_app, unit="xf-sfs-2")  # the registrar sits at the bureau
    assert ledger_app.cases.advance(case.id, "verify", actor="supervisor").state == "verified"
    own = open_ledger(ledger_app, actor="handler")  # a unit user in their own unit
    assert own.unit == "xf-sfs-1"


def test_a_sub_unit_is_covered_by_its_parent(ledger_app):
    ledger_app.directory.add_user("lsk_head", role="unit_head", unit="xf-lsk")
    case = open_ledger(ledger_app, unit="xf-ls-1")  # a law firm under the lawyers' department
    assert ledger_app.cases.advance(case.id, "verify", actor="lsk_head").state == "verified"


@pytest.mark.parametrize("login", ["auditor", "admin"])
def test_read_only_roles_never_act(ledger_app, login):
    s = ledger_app.cases
    case = open_ledger(ledger_app)
    message = f"role '{login}' is read-only for cases"
    refused(ledger_app, RoleNotAllowed, message, s.add_comment, case.id, actor=login, text="审计意见")
    refused(ledger_app, RoleNotAllowed, message, s.assign, case.id, actor=login, assignee=login)
    refused(ledger_app, RoleNotAllowed, message, open_ledger, ledger_app, actor=login)


def test_confidential_clues_are_for_their_roles_only(ledger_app):
    s = ledger_app.cases
    intake = {"allegation": "收受律师宴请", "subject_name": "某干警", "discovery_channel": "mass_report"}
    refused(ledger_app, RoleNotAllowed, "clue cases are confidential to registrar, supervisor, leader",
            s.open_case, "clue", actor="handler", title="线索", unit="xf-sfs-1", fields=intake)
    clue = s.open_case("clue", actor="registrar", title="线索", unit="xf-sfs-1", fields=intake)
    refused(ledger_app, RoleNotAllowed, "confidential", s.add_comment, clue.id, actor="unit_head", text="?")
    with ledger_app.store.read() as tx:
        scope, users = Scope(tx.units(), ledger_app.roles), {u.login: u for u in tx.users()}
    defn = s.definition_of(clue)
    visible = {login for login, user in users.items() if scope.can_view(user, defn, clue.unit)}
    assert visible == {"registrar", "supervisor", "supervisor2", "leader", "auditor"}


# ---- fields -----------------------------------------------------------------------------------
def test_required_fields_at_intake(ledger_app):
    refused(ledger_app, MissingField, r"intake needs 'description', 'channel'",
            ledger_app.cases.open_case, "ledger_item", actor="registrar", title="t", unit="xf-sfs-1", fields={})


def test_required_fields_at_a_step(ledger_app):
    case = open_ledger(ledger_app)
    walk(ledger_app, case.id, "verified")
    refused(ledger_app, MissingField, r"step 'dispatch' needs 'owner', 'due'",
            ledger_app.cases.advance, case.id, "dispatch", actor="supervisor")
    refused(ledger_app, MissingField, r"step 'dispatch' needs 'due'",
            ledger_app.cases.advance, case.id, "dispatch", actor="supervisor", fields={"owner": "handler"})


def test_a_field_the_step_does_not_take_is_refused(ledger_app):
    case = open_ledger(ledger_app)
    refused(ledger_app, FieldNotAllowed,
            r"field 'owner' cannot be set at this step \(this step takes: subject, urgent\)",
            ledger_app.cases.advance, case.id, "verify", actor="supervisor", fields={"owner": "handler"})
    refused(ledger_app, FieldNotAllowed, "files for 'evidence' cannot be added at this step",
            ledger_app.cases.advance, case.id, "verify", actor="supervisor", attachments=[EVIDENCE])


def test_an_unknown_field_is_refused(ledger_app):
    refused(ledger_app, InvalidInput, "unknown field 'colour' for ledger_item",
            open_ledger, ledger_app, colour="red")


def test_the_discovery_channel_can_never_change(ledger_app):
    s = ledger_app.cases
    case = s.open_case("rectification_item", actor="registrar", title="t", unit="xf-sfs-1",
                       fields={"description": "d", "category": "appraisal", "discovery_channel": "self_report"})
    refused(ledger_app, ImmutableField, "field 'discovery_channel' is fixed at intake and cannot be changed",
            s.advance, case.id, "verify", actor="supervisor", fields={"discovery_channel": "inspection"})
    if hasattr(s, "update_fields"):  # the field-correction use case refuses it too
        refused(ledger_app, ImmutableField, "discovery_channel", s.update_fields, case.id, actor="supervisor",
                fields={"discovery_channel": "inspection"})
    assert s.get(case.id).fields["discovery_channel"] == "self_report"


def test_a_required_comment(ledger_app):
    case = open_ledger(ledger_app)
    refused(ledger_app, MissingField, r"this step needs a comment \(the reason\)",
            ledger_app.cases.advance, case.id, "drop", actor="supervisor")
    refused(ledger_app, MissingField, "needs a comment",
            ledger_app.cases.advance, case.id, "drop", actor="supervisor", comment="   ")
    dropped = ledger_app.cases.advance(case.id, "drop", actor="supervisor", comment="经核查不属实")
    assert (dropped.state, dropped.comments) == ("dropped", 1)


@pytest.mark.parametrize("fields, message", [
    ({"due": "next week"}, "field 'due': expected a date like 2026-03-31, got 'next week'"),
    ({"count": "three"}, "field 'count': expected a whole number, got 'three'"),
    ({"urgent": "maybe"}, r"field 'urgent': expected yes/no \(true/false\), got 'maybe'"),
    ({"channel": "rumour"}, "field 'channel': 'rumour' is not one of self_report, inspection"),
    ({"owner": "not a login"}, "field 'owner': 'not a login' is not a valid person identifier"),
    ({"short_note": "字" * 21}, "field 'short_note': 21 characters, the limit is 20"),
    ({"subject": "a\nb"}, "field 'subject': must be a single line"),
    ({"subject": "a\x07b"}, "field 'subject': contains control characters"),
])
def test_ill_typed_values_are_refused(ledger_app, fields, message):
    refused(ledger_app, InvalidInput, message, open_ledger, ledger_app, **fields)


def test_values_are_stored_typed(ledger_app):
    case = open_ledger(ledger_app, count="3", urgent="是", due="2026-04-30", subject="  某所  ")
    assert {k: case.fields[k] for k in ("count", "urgent", "due", "subject")} == {
        "count": 3, "urgent": True, "due": "2026-04-30", "subject": "某所"}


def test_person_and_unit_fields_must_exist(ledger_app):
    case = open_ledger(ledger_app)
    walk(ledger_app, case.id, "verified")
    s = ledger_app.cases
    refused(ledger_app, InvalidInput, "field 'owner': unknown user 'nobody'", s.advance, case.id, "dispatch",
            actor="supervisor", fields={"owner": "nobody", "due": "2026-04-30"})
    refused(ledger_app, InvalidInput, "field 'host_unit': unknown unit 'xf-nowhere'", s.advance, case.id,
            "dispatch", actor="supervisor", fields={"owner": "handler", "due": "2026-04-30", "host_unit": "xf-nowhere"})
    done = s.advance(case.id, "dispatch", actor="supervisor",
                     fields={"owner": "handler", "due": "2026-04-30", "host_unit": "xf-sfs-2"})
    assert (done.fields["owner"], done.fields["host_unit"]) == ("handler", "xf-sfs-2")


# ---- transitions and guards --------------------------------------------------------------------
def test_a_trigger_from_the_wrong_state_is_not_allowed_whatever_fields_come_with_it(ledger_app):
    case = open_ledger(ledger_app)
    refused(ledger_app, TransitionNotAllowed, r"'dispatch' is not possible from state 'reported'; possible now: "
                                              r"verify, drop",
            ledger_app.cases.advance, case.id, "dispatch", actor="supervisor",
            fields={"owner": "handler", "due": "2026-04-30"})
    refused(ledger_app, TransitionNotAllowed, "unknown trigger 'fly'",
            ledger_app.cases.advance, case.id, "fly", actor="supervisor", fields={"x": "y"})


def test_four_eyes_the_reporter_may_not_accept(ledger_app):
    s = ledger_app.cases
    case = open_ledger(ledger_app)
    walk(ledger_app, case.id, "checking", reporter="supervisor")
    refused(ledger_app, GuardRejected, r"the person who did 'report' may not also do this step \(four-eyes rule\)",
            s.advance, case.id, "accept", actor="supervisor")
    assert s.advance(case.id, "accept", actor="supervisor2").state == "closed"


def test_a_guard_on_a_field_value(ledger_app):
    s = ledger_app.cases
    case = open_ledger(ledger_app)
    walk(ledger_app, case.id, "handling")
    s.advance(case.id, "report", actor="handler", fields={"verdict": "not_fixed"}, attachments=[EVIDENCE])
    refused(ledger_app, GuardRejected, "only possible when 'verdict' is 'fixed'",
            s.advance, case.id, "accept", actor="supervisor")


def test_an_unknown_actor_is_refused(ledger_app):
    case = open_ledger(ledger_app)
    refused(ledger_app, UnknownUser, "unknown user 'ghost'", ledger_app.cases.advance, case.id, "verify",
            actor="ghost")
    refused(ledger_app, UnknownUnit, "unknown unit 'xf-nowhere'", open_ledger, ledger_app, unit="xf-nowhere")


def test_an_unknown_case(ledger_app):
    with pytest.raises(CaseNotFound, match="no case with id 'cdeadbeefdeadbeef'"):
        ledger_app.cases.advance("cdeadbeefdeadbeef", "verify", actor="supervisor")


# ---- attachments ------------------------------------------------------------------------------
def test_an_attachment_is_recorded_by_its_sha256(ledger_app):
    s = ledger_app.cases
    case = open_ledger(ledger_app)
    walk(ledger_app, case.id, "handling")
    data = "整改报告：已补齐全部材料。".encode()
    s.advance(case.id, "report", actor="handler", fields={"verdict": "fixed"},
              attachments=[Attachment("evidence", "报告.txt", data)])
    events, replayed = s.history(case.id)
    digest = hashlib.sha256(data).hexdigest()
    assert events[-1].payload["attachments"] == [
        {"field": "evidence", "name": "报告.txt", "sha256": digest, "size": len(data)}]
    assert replayed.fields["evidence"] == [{"name": "报告.txt", "sha256": digest, "size": len(data)}]
    assert s.blobs.get(digest) == data


def test_the_attachment_guard_counts_files(ledger_app):
    case = open_ledger(ledger_app)
    walk(ledger_app, case.id, "handling")
    refused(ledger_app, GuardRejected, r"needs at least 1 file\(s\) in 'evidence' \(has 0\)",
            ledger_app.cases.advance, case.id, "report", actor="handler", fields={"verdict": "fixed"})


def test_attachment_size_limit(make_ledger_app, sqlite_url):
    app = make_ledger_app(sqlite_url, max_attachment_bytes=64)
    seed_directory(app)
    case = open_ledger(app)
    walk(app, case.id, "handling")
    big = Attachment("evidence", "big.bin", b"x" * 65)
    refused(app, InvalidInput, "file 'big.bin' is 65 bytes; the limit is 64", app.cases.advance, case.id,
            "report", actor="handler", fields={"verdict": "fixed"}, attachments=[big])
    ok = Attachment("evidence", "ok.bin", b"x" * 64)
    assert app.cases.advance(case.id, "report", actor="handler", fields={"verdict": "fixed"},
                               attachments=[ok]).state == "checking"


def test_attachments_per_step_limit(ledger_app):
    case = open_ledger(ledger_app)
    walk(ledger_app, case.id, "handling")
    files = [Attachment("evidence", f"{n}.txt", str(n).encode()) for n in range(MAX_ATTACHMENTS_PER_STEP + 1)]
    refused(ledger_app, InvalidInput, f"at most {MAX_ATTACHMENTS_PER_STEP} files per step", ledger_app.cases.advance,
            case.id, "report", actor="handler", fields={"verdict": "fixed"}, attachments=files)


def test_attachments_only_go_to_attachment_fields(ledger_app):
    case = open_ledger(ledger_app)
    walk(ledger_app, case.id, "handling")
    refused(ledger_app, InvalidInput, "'verdict' is not an attachment field of ledger_item",
            ledger_app.cases.advance, case.id, "report", actor="handler", fields={"verdict": "fixed"},
            attachments=[Attachment("verdict", "a.txt", b"a")])
    refused(ledger_app, InvalidInput, "field 'evidence': attachments are added as files, not as values",
            ledger_app.cases.advance, case.id, "report", actor="handler",
            fields={"verdict": "fixed", "evidence": "a.txt"})


# ---- ids and history ---------------------------------------------------------------------------
def test_case_ids_are_opaque_and_not_sequential(ledger_app):
    ids = [open_ledger(ledger_app).id for _ in range(5)]
    assert all(re.fullmatch(r"c[0-9a-f]{16}", i) for i in ids)
    assert len(set(ids)) == 5
    assert ids != sorted(ids) or ids != sorted(ids, reverse=True) or len({i[:4] for i in ids}) > 1


def test_history_at_a_version_and_as_of_an_instant(ledger_app, clock):
    s = ledger_app.cases
    case = open_ledger(ledger_app)
    opened_at = clock.now()
    clock.advance(hours=2)
    s.advance(case.id, "verify", actor="supervisor", fields={"subject": "某所"})
    verified_at = clock.now()
    clock.advance(days=1)
    s.advance(case.id, "dispatch", actor="supervisor", fields={"owner": "handler", "due": "2026-04-30"})

    events, at_v2 = s.history(case.id, version=2)
    assert [e.version for e in events] == [1, 2]
    assert (at_v2.state, at_v2.version, at_v2.fields.get("subject"), "owner" in at_v2.fields) == \
        ("verified", 2, "某所", False)

    events, then = s.history(case.id, as_of=verified_at + timedelta(hours=1))
    assert (then.state, then.version) == ("verified", 2)
    events, first = s.history(case.id, as_of=opened_at)
    assert (first.state, [e.action for e in events]) == ("reported", ["opened"])
    events, before = s.history(case.id, as_of=opened_at - timedelta(seconds=1))
    assert (events, before) == ([], None)

    events, latest = s.history(case.id)
    assert latest.to_dict() == s.get(case.id).to_dict()
    assert [(e.from_state, e.to_state) for e in events] == [
        (None, "reported"), ("reported", "verified"), ("verified", "handling")]


def test_intake_records_who_where_and_under_which_definition(ledger_app):
    case = open_ledger(ledger_app, actor="handler")
    events, _ = ledger_app.cases.history(case.id)
    [opened] = events
    assert (opened.actor, opened.action, opened.to_state, opened.version) == ("handler", "opened", "reported", 1)
    assert opened.payload["fields"] == {**LEDGER_INTAKE}
    assert (opened.definition, opened.definition_version) == ("ledger_item", 1)
