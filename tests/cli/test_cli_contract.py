"""The CLI contract of issue 2 item 10: every command, its --json shape and its exit codes.

Exit codes: 0 ok, 1 error, 2 usage, 3 not allowed, 4 conflict. With --json, stdout holds exactly
one JSON object, on errors too. Runs on SQLite and PostgreSQL (the `cli` fixture).
"""
from __future__ import annotations

import hashlib
import json

import pytest
from cli_runner import INTAKE, NOW, Cli, clean_failure, one_json
from factories import event_count

from workflow.adapters.sql.sqlstore import make_engine, schema_status
from workflow.directory.passwords import check_password

STATE_SUMMARY_KEYS = {"name", "stage", "terminal", "label"}


# ---- db ---------------------------------------------------------------------------------------
def test_db_upgrade_creates_the_schema_and_is_idempotent(request, backend, tmp_path, cli_defs, engines_closed):
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path}/fresh/rectiflow.db"
    else:
        cluster = request.getfixturevalue("pg_cluster")
        cluster.create_database("fresh_upgrade")
        request.addfinalizer(lambda: cluster.drop_database("fresh_upgrade"))
        url = cluster.url("fresh_upgrade")
    run = Cli({"RECTIFLOW_DATABASE_URL": url, "RECTIFLOW_DEFINITIONS": str(cli_defs),
               "RECTIFLOW_INSTANCE": str(tmp_path / "instance")})
    clean_failure(run("case", "show", "c0"), 1)  # before: a clear request to upgrade
    assert "run `rectiflow db upgrade` first" in run("case", "show", "c0").stderr
    for _ in range(2):
        result = run.ok("db", "upgrade")
        assert result.stdout.startswith("database ready: ")
    engine = make_engine(url)
    try:
        applied, heads = schema_status(engine)
    finally:
        engine.dispose()
    assert applied == heads and applied


# ---- definitions ----------------------------------------------------------------------------------
def test_definitions_list_json_shape(cli):
    data = cli.json("definitions", "list")
    assert list(data) == ["definitions"]
    by_name = {d["name"]: d for d in data["definitions"]}
    assert {"rectification_item", "clue", "ledger_item"} <= set(by_name)
    for d in data["definitions"]:
        assert set(d) == {"name", "version", "title", "initial", "roles", "states"}
        assert set(d["title"]) == {"zh", "en"} and isinstance(d["version"], int)
        assert all(set(s) == STATE_SUMMARY_KEYS and set(s["label"]) == {"zh", "en"} for s in d["states"])
    ledger = by_name["ledger_item"]
    assert ledger["version"] == 1 and ledger["initial"] == "reported"
    assert ledger["title"] == {"zh": "测试台账", "en": "Test ledger item"}
    assert ledger["roles"] == ["registrar", "handler", "unit_head", "supervisor", "leader"]
    assert ledger["states"][0] == {"name": "reported", "stage": "reported", "terminal": False,
                                   "label": {"zh": "已登记", "en": "Reported"}}
    assert [(s["name"], s["stage"], s["terminal"]) for s in ledger["states"]][-2:] == [
        ("closed", "closed", True), ("dropped", "closed", True)]


def test_definitions_list_text(cli):
    lines = cli.ok("definitions", "list").stdout.splitlines()
    assert "ledger_item v1  测试台账 / Test ledger item" in lines


def test_definitions_load_reports_and_refuses_an_edit_in_use(cli, cli_defs, database_url):
    first = cli.json("definitions", "load")
    assert set(first) == {"added", "updated", "unchanged"}
    assert "ledger_item v1" in first["unchanged"] and first["added"] == []
    cli.open_case()
    path = cli_defs / "ledger_item.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("en: Verify}", "en: Verify it}"), encoding="utf-8")

    result = cli("definitions", "load")
    clean_failure(result, 1)
    assert result.stderr.strip() == (
        f"{path}:1: ledger_item v1 has changed but cases already run on it; bump `version:` to 2 to publish the "
        "change (existing cases keep the old version, new cases get the new one)")
    as_json = cli("definitions", "load", "--json")
    assert one_json(as_json)["error"] == "DefinitionChanged" and as_json.exit_code == 1

    # Other commands say so on stderr and keep running on the stored version.
    opened = cli("case", "open", "ledger_item", "--as", "registrar", "--title", "t", *INTAKE, "--json")
    assert opened.exit_code == 0
    assert opened.stderr.startswith(f"warning: {path}:1: ledger_item v1 has changed")
    case_id = one_json(opened)["id"]
    shown = cli.json("case", "show", case_id)
    assert shown["definition_version"] == 1
    assert next(a["label"]["en"] for a in shown["available"]) == "Verify"

    path.write_text(path.read_text(encoding="utf-8").replace("version: 1\n", "version: 2\n"), encoding="utf-8")
    assert cli.json("definitions", "load")["added"] == ["ledger_item v2"]
    assert cli.json("case", "show", cli.open_case())["definition_version"] == 2


# ---- units and users ------------------------------------------------------------------------------
def test_unit_add(cli):
    assert cli.json("unit", "add", "xf-ls-2", "--parent", "xf-lsk", "--name", "某律所") == {
        "code": "xf-ls-2", "name": "某律所", "parent": "xf-lsk"}
    assert cli.json("unit", "add", "xf-other") == {"code": "xf-other", "name": "xf-other", "parent": None}
    unknown = cli("unit", "add", "xf-ls-3", "--parent", "xf-nowhere", "--json")
    clean_failure(unknown, 1)
    assert one_json(unknown) == {"ok": False, "error": "UnknownUnit", "code": "directory.unknown_unit",
                                 "message": "unknown unit 'xf-nowhere'", "problems": ["unknown unit 'xf-nowhere'"]}
    clean_failure(cli("unit", "add", "xf-ls-2"), 1)  # already there


def test_user_add(cli, database_url):
    assert cli.json("user", "add", "newbie", "--role", "handler", "--unit", "xf-sfs-2", "--name", "新人",
                    "--password-stdin", input="a long passphrase\n") == {
        "login": "newbie", "role": "handler", "unit": "xf-sfs-2"}
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            stored_hash = conn.exec_driver_sql("SELECT password_hash FROM users WHERE login = 'newbie'").scalar_one()
    finally:
        engine.dispose()
    assert "a long passphrase" not in stored_hash and check_password(stored_hash, "a long passphrase")

    for args, input_, message in [
        (["--role", "handler", "--unit", "xf-nowhere"], None, "error: unknown unit 'xf-nowhere'"),
        (["--role", "wizard"], None, "error: unknown role 'wizard' (known: admin, audit_admin, auditor, handler, "
                                     "leader, registrar, security_admin, supervisor, unit_head)"),
        (["--role", "handler", "--password-stdin"], "", "error: no password on standard input"),
        (["--role", "handler", "--unit", "xf-sfs-2", "--password-stdin"], "short\n",
         "error: password must be 8–256 characters"),
        (["--role", "handler"], None, "error: role 'handler' works within a unit: the user needs a unit"),
    ]:
        result = cli("user", "add", "other", *args, input=input_)
        clean_failure(result, 1)
        assert result.stderr.strip() == message
    clean_failure(cli("user", "add", "newbie", "--role", "handler", "--unit", "xf-sfs-2"), 1)  # already there


# ---- cases -----------------------------------------------------------------------------------------
def test_case_open_json_and_default_unit(cli):
    data = cli.json("case", "open", "ledger_item", "--as", "handler", "--title", "材料不全", *INTAKE)
    assert set(data) == {"id", "type", "state", "version", "campaign"}
    assert (data["type"], data["state"], data["version"], data["campaign"]) == ("ledger_item", "reported", 1, None)
    shown = cli.json("case", "show", data["id"])
    assert shown["unit"] == "xf-sfs-1"  # the actor's unit
    assert shown["campaign"] is None  # no campaign loaded: outside every campaign


def test_case_advance_json_and_show_shape(cli, tmp_path, database_url):
    case_id = cli.open_case()
    assert cli.json("case", "advance", case_id, "verify", "--as", "supervisor", "--field", "urgent=yes") == {
        "id": case_id, "state": "verified", "version": 2}
    cli.json("case", "advance", case_id, "dispatch", "--as", "supervisor", "--field", "owner=handler",
             "--field", "due=2026-04-30", "--expect-version", "2")

    shown = cli.json("case", "show", case_id)
    assert {"id", "type", "definition_version", "title", "state", "stage", "version", "fields",
            "available"} <= set(shown)
    assert (shown["id"], shown["type"], shown["definition_version"], shown["title"], shown["state"],
            shown["stage"], shown["version"]) == (case_id, "ledger_item", 1, "审批材料不全", "handling", "handled", 3)
    assert shown["fields"] == {"description": "三份审批材料缺少司法所意见", "channel": "self_report", "urgent": True,
                               "owner": "handler", "due": "2026-04-30"}
    [report] = shown["available"]
    assert {k: report[k] for k in ("trigger", "dest", "roles", "requires")} == {
        "trigger": "report", "dest": "checking", "roles": ["handler", "unit_head", "supervisor"],
        "requires": [{"name": "evidence", "type": "attachment"},
                     {"name": "verdict", "type": "choice", "choices": ["fixed", "not_fixed"]}]}

    evidence = tmp_path / "复核记录.txt"
    evidence.write_bytes("补齐3份审批材料".encode())
    cli.json("case", "advance", case_id, "report", "--as", "handler", "--field", "verdict=fixed",
             "--attach", str(evidence), "--comment", "已整改")
    history = cli.json("case", "history", case_id)
    assert history["events"][-1]["payload"]["attachments"] == [{
        "field": "evidence", "name": "复核记录.txt", "sha256": hashlib.sha256(evidence.read_bytes()).hexdigest(),
        "size": len(evidence.read_bytes())}]
    assert history["events"][-1]["payload"]["comment"] == "已整改"
    assert {a["trigger"] for a in cli.json("case", "show", case_id)["available"]} == {"accept", "send_back"}


def test_case_show_of_a_final_state_has_nothing_available(cli):
    case_id = cli.open_case()
    cli.json("case", "advance", case_id, "drop", "--as", "supervisor", "--comment", "查无此事")
    shown = cli.json("case", "show", case_id)
    assert (shown["state"], shown["stage"], shown["available"]) == ("dropped", "closed", [])


def test_case_show_as_a_person_lists_only_the_steps_they_can_take_now(cli):
    case_id = cli.open_case()
    cli.json("case", "advance", case_id, "verify", "--as", "supervisor")
    everything = {a["trigger"] for a in cli.json("case", "show", case_id)["available"]}
    as_supervisor = {a["trigger"] for a in cli.json("case", "show", case_id, "--as", "supervisor")["available"]}
    assert as_supervisor and as_supervisor <= everything
    for login in ("handler", "auditor", "registrar"):  # not their step here
        assert cli.json("case", "show", case_id, "--as", login)["available"] == [], login
    clean_failure(cli("case", "show", case_id, "--as", "nobody"), 1)  # an unknown user is an error


def test_stale_expected_version_is_a_conflict(cli, database_url):
    case_id = cli.open_case()
    cli.json("case", "advance", case_id, "verify", "--as", "supervisor")
    before = event_count(database_url)
    result = cli("case", "advance", case_id, "dispatch", "--as", "supervisor", "--field", "owner=handler",
                 "--field", "due=2026-04-30", "--expect-version", "1", "--json")
    clean_failure(result, 4)
    error = one_json(result)
    assert (error["ok"], error["error"]) == (False, "ConcurrencyConflict")
    assert error["message"] == (f"case {case_id} is at version 2, you saw version 1: someone else acted first — "
                                "reload and try again")
    assert event_count(database_url) == before


@pytest.mark.parametrize("args, error, code, message", [
    (["verify", "--as", "handler"], "RoleNotAllowed", "access.may_not_step",
     "role 'handler' may not 'verify' (allowed: supervisor, unit_head)"),
    (["dispatch", "--as", "supervisor"], "TransitionNotAllowed", "step.not_possible",
     "'dispatch' is not possible from state 'reported'; possible now: verify, drop"),
    (["fly", "--as", "supervisor"], "TransitionNotAllowed", "step.unknown_trigger",
     "unknown trigger 'fly'; possible now: verify, drop"),
    (["drop", "--as", "supervisor"], "MissingField", "step.needs_comment", "this step needs a comment (the reason)"),
    (["verify", "--as", "supervisor", "--field", "owner=handler"], "FieldNotAllowed", "field.not_at_step",
     "field 'owner' cannot be set at this step (this step takes: subject, urgent)"),
    (["verify", "--as", "supervisor", "--field", "channel=inspection"], "ImmutableField", "field.immutable",
     "field 'channel' is fixed at intake and cannot be changed"),
    (["verify", "--as", "auditor"], "RoleNotAllowed", "access.read_only", "role 'auditor' is read-only for cases"),
])
def test_not_allowed_exits_3_with_the_reason(cli, database_url, args, error, code, message):
    case_id = cli.open_case()
    before = event_count(database_url)
    result = cli("case", "advance", case_id, *args, "--json")
    clean_failure(result, 3)
    assert one_json(result) == {"ok": False, "error": error, "code": code, "message": message,
                                "problems": [message]}
    assert result.stderr.strip() == f"error: {message}"
    assert event_count(database_url) == before


def test_guard_refusal_exits_3(cli):
    case_id = cli.open_case()
    cli.json("case", "advance", case_id, "verify", "--as", "supervisor")
    cli.json("case", "advance", case_id, "dispatch", "--as", "supervisor", "--field", "owner=handler",
             "--field", "due=2026-04-30")
    result = cli("case", "advance", case_id, "report", "--as", "handler", "--field", "verdict=fixed")
    clean_failure(result, 3)
    assert result.stderr.strip() == "error: needs at least 1 file(s) in 'evidence' (has 0)"


def test_case_history_json_at_a_version_and_as_of(cli):
    case_id = cli.open_case()
    cli.json("case", "advance", case_id, "verify", "--as", "supervisor", RECTIFLOW_NOW="2026-03-03T01:00:00Z")
    full = cli.json("case", "history", case_id)
    assert set(full) == {"id", "events", "state"} and full["id"] == case_id
    first, second = full["events"]
    assert {"seq", "version", "at", "actor", "action", "from", "to", "hash", "prev_hash"} <= set(first)
    assert (first["version"], first["actor"], first["action"], first["from"], first["to"]) == \
        (1, "registrar", "opened", None, "reported")
    assert (second["from"], second["to"], second["prev_hash"]) == ("reported", "verified", first["hash"])
    assert first["prev_hash"] == "0" * 64 and second["seq"] > first["seq"]
    assert first["at"] == "2026-03-02T01:00:00.000000Z"
    assert (full["state"]["state"], full["state"]["version"]) == ("verified", 2)

    at_v1 = cli.json("case", "history", case_id, "--version", "1")
    assert ([e["version"] for e in at_v1["events"]], at_v1["state"]["state"]) == ([1], "reported")
    then = cli.json("case", "history", case_id, "--as-of", "2026-03-02T12:00:00+08:00")
    assert ([e["version"] for e in then["events"]], then["state"]["state"]) == ([1], "reported")
    before = cli.json("case", "history", case_id, "--as-of", "2026-03-01T00:00:00Z")
    assert (before["events"], before["state"]) == ([], None)

    for args in (["--as-of", NOW, "--version", "1"], ["--as-of", "last tuesday"]):
        result = cli("case", "history", case_id, *args, "--json")
        clean_failure(result, 1)
        assert one_json(result)["error"] == "InvalidInput"


def test_unknown_case(cli):
    for command in (["show", "cdeadbeefdeadbeef"], ["history", "cdeadbeefdeadbeef"],
                    ["advance", "cdeadbeefdeadbeef", "verify", "--as", "supervisor"]):
        result = cli("case", *command, "--json")
        clean_failure(result, 1)
        assert one_json(result)["message"] == "no case with id 'cdeadbeefdeadbeef'"


@pytest.mark.parametrize("args", [
    ["case", "open", "ledger_item", "--title", "no actor"],
    ["case", "advance", "c1", "verify", "--as", "supervisor", "--expect-version", "two"],
    ["case", "history", "c1", "--version", "x"],
    ["case", "teleport", "c1"],
    ["nonsense"],
    ["case", "open"],
])
def test_usage_errors_exit_2_and_still_print_one_json_object(cli, args):
    plain = cli(*args)
    assert plain.exit_code == 2 and plain.stdout == "" and "Usage:" in plain.stderr
    as_json = cli(*args, "--json")
    assert as_json.exit_code == 2
    error = one_json(as_json)
    assert (error["ok"], error["error"]) == (False, "UsageError") and error["message"]


# ---- audit -------------------------------------------------------------------------------------------
def test_audit_verify_and_export(cli, tmp_path, engines_closed):
    case_id = cli.open_case()
    cli.json("case", "advance", case_id, "verify", "--as", "supervisor")
    other = cli.open_case()
    assert cli.json("audit", "verify") == {"ok": True, "cases": 2, "events": 3, "problems": []}
    assert cli.json("audit", "verify", "--case", other) == {"ok": True, "cases": 1, "events": 1, "problems": []}
    assert cli.ok("audit", "verify").stdout.strip() == "OK: 2 cases, 3 events"
    clean_failure(cli("audit", "verify", "--case", "cdeadbeefdeadbeef"), 1)

    bundle = tmp_path / "audit.jsonl"
    exported = cli.json("audit", "export", "-o", str(bundle))
    assert (exported["file"], exported["events"]) == (str(bundle), 3)
    lines = bundle.read_text(encoding="utf-8").splitlines()
    trailer = json.loads(lines[-1])  # format /2 (docs/audit-bundle.md): the trailer also counts access rows
    assert (trailer["type"], trailer["digest"], trailer["events"]) == ("trailer", exported["digest"], 3)
    assert json.loads(lines[0])["format"] == "rectiflow-audit-bundle/2"

    offline = Cli({**cli.env, "RECTIFLOW_DATABASE_URL": f"sqlite:///{tmp_path}/nowhere/none.db"})
    assert offline.json("audit", "verify", "--bundle", str(bundle))["ok"] is True
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_text(bundle.read_text(encoding="utf-8").replace("审批材料不全", "审批材料齐全", 1),
                        encoding="utf-8")
    result = offline("audit", "verify", "--bundle", str(tampered), "--json")
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    report = one_json(result)
    assert report["ok"] is False and report["problems"]
    text = offline("audit", "verify", "--bundle", str(tampered))
    assert text.exit_code == 1 and text.stdout.startswith("FAILED: ")
