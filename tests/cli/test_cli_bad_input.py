"""Bad input (issue 2 item 12): a clear message, a non-zero exit, no traceback, and nothing written.

Limits (workflow/definitions/fields.py): title 200, text 500, longtext 20000, comment 4000 characters.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from cli_runner import INTAKE, clean_failure, one_json
from factories import LEDGER, REPO, event_count

from workflow.definitions.fields import COMMENT_LIMIT, LONGTEXT_LIMIT, TEXT_LIMIT, TITLE_LIMIT

OPEN = ["case", "open", "ledger_item", "--as", "registrar", "--title", "审批材料不全"]


def refused(cli, url, code, *args, message=None, input=None):
    """The command fails cleanly with `code`, prints one JSON error, and writes no event."""
    before = event_count(url)
    result = cli(*args, "--json", input=input)
    clean_failure(result, code)
    error = one_json(result)
    assert error["ok"] is False and error["message"]
    if message is not None:
        assert error["message"] == message
        assert result.stderr.strip() == f"error: {message}"
    assert event_count(url) == before
    return error


# ---- unknown names ------------------------------------------------------------------------------
def test_unknown_case_type(cli, database_url):
    error = refused(cli, database_url, 1, "case", "open", "ledger", "--as", "registrar", "--title", "t")
    assert error["error"] == "UnknownCaseType"
    assert error["message"].startswith("unknown case type 'ledger' (known: ")
    assert "ledger_item" in error["message"]


def test_unknown_trigger(cli, database_url):
    case_id = cli.open_case()
    refused(cli, database_url, 3, "case", "advance", case_id, "fly", "--as", "supervisor",
            message="unknown trigger 'fly'; possible now: verify, drop")


def test_unknown_user(cli, database_url):
    refused(cli, database_url, 1, *OPEN[:3], "--as", "ghost", "--title", "t", *INTAKE,
            message="unknown user 'ghost'")
    case_id = cli.open_case()
    refused(cli, database_url, 1, "case", "advance", case_id, "verify", "--as", "ghost",
            message="unknown user 'ghost'")


def test_unknown_role_and_unit(cli, database_url):
    refused(cli, database_url, 1, "user", "add", "x", "--role", "boss",
            message="unknown role 'boss' (known: admin, audit_admin, auditor, handler, leader, registrar, "
                    "security_admin, supervisor, unit_head)")
    refused(cli, database_url, 1, *OPEN, "--unit", "xf-nowhere", *INTAKE, message="unknown unit 'xf-nowhere'")


def test_unknown_field(cli, database_url):
    error = refused(cli, database_url, 1, *OPEN, *INTAKE, "--field", "colour=red")
    assert error["message"].startswith("unknown field 'colour' for ledger_item (known: description, channel, ")


# ---- fields --------------------------------------------------------------------------------------
def test_missing_required_field(cli, database_url):
    refused(cli, database_url, 3, *OPEN, "--field", "description=d", message="intake needs 'channel'")


@pytest.mark.parametrize("pair, message", [
    ("due=31/04/2026", "field 'due': expected a date like 2026-03-31, got '31/04/2026'"),
    ("due=2026-02-30", "field 'due': expected a date like 2026-03-31, got '2026-02-30'"),
    ("count=3.5", "field 'count': expected a whole number, got '3.5'"),
    ("count=99999999999999", "field 'count': number out of range"),
    ("urgent=perhaps", "field 'urgent': expected yes/no (true/false), got 'perhaps'"),
    ("owner=张 三", "field 'owner': '张 三' is not a valid person identifier"),
    ("subject=", "field 'subject': must not be empty"),
])
def test_ill_typed_field(cli, database_url, pair, message):
    refused(cli, database_url, 1, *OPEN, *INTAKE, "--field", pair, message=message)


def test_malformed_field_argument(cli, database_url):
    refused(cli, database_url, 1, *OPEN, *INTAKE, "--field", "description",
            message="--field 'description': expected KEY=VALUE")
    refused(cli, database_url, 1, *OPEN, *INTAKE, "--field", "subject=a", "--field", "subject=b",
            message="--field 'subject' given twice")


# ---- oversized text --------------------------------------------------------------------------------
@pytest.mark.parametrize("what, limit, args", [
    ("title", TITLE_LIMIT, lambda text: ["case", "open", "ledger_item", "--as", "registrar", "--title", text, *INTAKE]),
    ("field 'subject'", TEXT_LIMIT, lambda text: [*OPEN, *INTAKE, "--field", f"subject={text}"]),
    ("field 'description'", LONGTEXT_LIMIT,
     lambda text: [*OPEN, "--field", f"description={text}", "--field", "channel=inspection"]),
    ("comment", COMMENT_LIMIT, lambda text: [*OPEN, *INTAKE, "--comment", text]),
])
def test_oversized_text(cli, database_url, what, limit, args):
    assert (TITLE_LIMIT, TEXT_LIMIT, LONGTEXT_LIMIT, COMMENT_LIMIT) == (200, 500, 20_000, 4_000)
    refused(cli, database_url, 1, *args("字" * (limit + 1)),
            message=f"{what}: {limit + 1} characters, the limit is {limit}")
    assert cli.json(*args("字" * limit))["state"] == "reported"  # exactly at the limit is fine


def test_short_text_limit_set_by_the_definition(cli, database_url):
    case_id = cli.open_case()
    cli.json("case", "advance", case_id, "verify", "--as", "supervisor")
    cli.json("case", "advance", case_id, "dispatch", "--as", "supervisor", "--field", "owner=handler",
             "--field", "due=2026-04-30")
    refused(cli, database_url, 1, "case", "advance", case_id, "report", "--as", "handler", "--field", "verdict=fixed",
            "--field", "short_note=" + "x" * 21, message="field 'short_note': 21 characters, the limit is 20")


def test_control_characters_and_line_breaks(cli, database_url):
    refused(cli, database_url, 1, "case", "open", "ledger_item", "--as", "registrar", "--title", "a\nb", *INTAKE,
            message="title: must be a single line")
    refused(cli, database_url, 1, *OPEN, *INTAKE, "--comment", "bell\x07",
            message="comment: contains control characters")


# ---- attachments -----------------------------------------------------------------------------------
def test_unreadable_attachment(cli, database_url, tmp_path):
    case_id = cli.open_case()
    cli.json("case", "advance", case_id, "verify", "--as", "supervisor")
    cli.json("case", "advance", case_id, "dispatch", "--as", "supervisor", "--field", "owner=handler",
             "--field", "due=2026-04-30")
    report = ["case", "advance", case_id, "report", "--as", "handler", "--field", "verdict=fixed"]
    missing = tmp_path / "missing.pdf"
    refused(cli, database_url, 1, *report, "--attach", str(missing),
            message=f"cannot read {missing}: No such file or directory")
    refused(cli, database_url, 1, *report, "--attach", str(tmp_path), message=f"cannot read {tmp_path}: Is a directory")
    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * 65)
    refused(cli, database_url, 1, *report, "--attach", f"verdict={big}",
            message="'verdict' is not an attachment field of ledger_item")
    result = cli(*report, "--attach", str(big), "--json", RECTIFLOW_MAX_ATTACHMENT_BYTES="64")
    clean_failure(result, 1)
    assert one_json(result)["message"] == f"{big}: larger than the 64-byte limit"
    assert cli.json("case", "show", case_id)["state"] == "handling"


# ---- non-UTF-8 input ---------------------------------------------------------------------------------
@pytest.mark.parametrize("position", ["title", "field", "actor", "case_type", "comment"])
def test_non_utf8_arguments(cli, database_url, position):
    # Python hands undecodable argv bytes over as lone surrogates (this is what b'\xff' becomes).
    bad = "审批\udcff"
    args = {"title": ["case", "open", "ledger_item", "--as", "registrar", "--title", bad, *INTAKE],
            "field": [*OPEN, "--field", f"description={bad}", "--field", "channel=inspection"],
            "actor": ["case", "open", "ledger_item", "--as", bad, "--title", "t", *INTAKE],
            "case_type": ["case", "open", bad, "--as", "registrar", "--title", "t"],
            "comment": [*OPEN, *INTAKE, "--comment", bad]}[position]
    error = refused(cli, database_url, 1, *args)
    assert error["error"] == "InvalidInput" and "not valid UTF-8 text" in error["message"]


def test_non_utf8_argument_for_an_existing_case(cli, database_url):
    case_id = cli.open_case()
    for args in (["case", "show", case_id + "\udcff"],
                 ["case", "advance", case_id, "ver\udcffify", "--as", "supervisor"],
                 ["case", "history", case_id + "\udcfe"]):
        assert "not valid UTF-8 text" in refused(cli, database_url, 1, *args)["message"]


def test_non_utf8_password_on_stdin(cli, database_url):
    refused(cli, database_url, 1, "user", "add", "x", "--role", "handler", "--password-stdin",
            input=b"\xff\xfe-a-long-password\n", message="the password on standard input is not valid UTF-8 text")


def test_non_utf8_bytes_from_a_real_shell(tmp_path, sqlite_url, cli_defs):
    """The same through a real process, with raw bytes in argv (no in-process test runner)."""
    env = {**os.environ, "RECTIFLOW_DATABASE_URL": sqlite_url, "RECTIFLOW_DEFINITIONS": str(cli_defs),
           "RECTIFLOW_INSTANCE": str(tmp_path / "instance"), "PYTHONIOENCODING": "utf-8", "LC_ALL": "C.UTF-8"}
    argv = [sys.executable, "-m", "rectiflow", "case", "open", "ledger_item", "--as", "registrar", "--title",
            b"\xc9\xcf\xba\xa3", "--json"]
    done = subprocess.run(argv, env=env, capture_output=True, cwd=REPO, timeout=120)
    assert done.returncode == 1
    assert b"Traceback" not in done.stderr
    assert one_json_bytes(done.stdout)["message"] == "title: not valid UTF-8 text"


def one_json_bytes(raw: bytes) -> dict:
    lines = raw.decode("utf-8").splitlines()
    assert len(lines) == 1, raw
    return json.loads(lines[0])


# ---- definitions files ---------------------------------------------------------------------------------
def test_definitions_check_reports_every_problem_as_path_line_message(no_db_cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(LEDGER.read_text(encoding="utf-8")
                   .replace("    dest: verified\n", "    dest: verifed\n"), encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: x\nstates: [\n", encoding="utf-8")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"name: x\n# caf\xe9\n")
    result = no_db_cli("definitions", "check", str(bad), str(broken), str(latin))
    clean_failure(result, 1)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    line_of_dest = bad.read_text(encoding="utf-8").splitlines().index("    dest: verifed") + 1
    assert lines[0] == f"{bad}:{line_of_dest}: transition 'verify': unknown dest state 'verifed'"
    assert lines[1].startswith(f"{broken}:3: malformed YAML: ")
    assert lines[2] == f"{latin}:2: not UTF-8 text (byte 13 of the file)"
    assert len(lines) == 3


def test_definitions_check_prints_one_line_per_valid_definition(no_db_cli, cli_defs):
    result = no_db_cli("definitions", "check")
    assert result.exit_code == 0 and result.stderr == ""
    lines = result.stdout.splitlines()
    assert len(lines) == len(list(cli_defs.rglob("*.yaml")))  # case types, roles, calendars and plans alike
    ledger = cli_defs / "ledger_item.yaml"
    assert (f"ok {ledger}: ledger_item v1 — 测试台账 / Test ledger item: 6 states, 6 transitions, 12 fields"
            in lines)
    only = no_db_cli("definitions", "check", str(ledger))
    assert only.stdout.splitlines() == [f"ok {ledger}: ledger_item v1 — 测试台账 / Test ledger item: 6 states, "
                                        "6 transitions, 12 fields"]


def test_definitions_check_of_a_missing_file(no_db_cli, tmp_path):
    result = no_db_cli("definitions", "check", str(tmp_path / "nope.yaml"))
    clean_failure(result, 1)
    assert result.stderr.strip() == f"{tmp_path / 'nope.yaml'}:?: cannot read: No such file or directory"


def test_a_malformed_definition_file_loads_nothing(cli, cli_defs, database_url):
    before = cli.json("definitions", "list")
    (cli_defs / "zz_broken.yaml").write_text("name: broken\nversion: 1\ntitle: {zh: 坏, en: Broken\n",
                                             encoding="utf-8")
    (cli_defs / "aa_new.yaml").write_text((cli_defs / "ledger_item.yaml").read_text(encoding="utf-8")
                                          .replace("name: ledger_item", "name: aa_new"), encoding="utf-8")
    result = cli("definitions", "load", "--json")
    clean_failure(result, 1)
    error = one_json(result)
    assert error["error"] == "DefinitionError"
    assert [p.split(":")[0:2] for p in error["problems"]] == [[str(cli_defs / "zz_broken.yaml"), "4"]]
    after = cli("definitions", "list", "--json")
    assert after.exit_code == 0 and after.stderr.startswith(f"warning: {cli_defs / 'zz_broken.yaml'}:")
    assert one_json(after) == before  # neither the broken nor the valid new file was loaded


def test_database_settings_errors_are_clean(cli, tmp_path):
    for url, start in [("not a url", "RECTIFLOW_DATABASE_URL: "),
                       ("postgresql+psycopg://nobody@127.0.0.1:9/none", "the database is unavailable: ")]:
        result = cli("case", "show", "c0", "--json", RECTIFLOW_DATABASE_URL=url)
        clean_failure(result, 1)
        assert one_json(result)["message"].startswith(start)
    result = cli("case", "show", "c0", RECTIFLOW_NOW="yesterday")
    clean_failure(result, 1)
    assert result.stderr.strip() == "error: RECTIFLOW_NOW: not an ISO-8601 instant: 'yesterday'"
