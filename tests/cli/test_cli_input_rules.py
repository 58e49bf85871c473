"""Bad input of issue 12 item 12 through the CLI: integer bounds from the definition, no past deadline dates,
no empty files as evidence, no direction-control characters in names — each refused with its coded message,
the documented exit code (1: invalid input) and nothing written. The clock is Monday 2026-03-02 in Beijing.
"""
from __future__ import annotations

from cli_runner import clean_failure, one_json
from factories import event_count

RECT = ["--field", "description=3份审批缺少司法所意见", "--field", "category=commutation_parole",
        "--field", "discovery_channel=self_report"]


def refused(cli, url, *args, code=1):
    before = event_count(url)
    result = cli(*args, "--json")
    clean_failure(result, code)
    assert event_count(url) == before
    return one_json(result)


def verified_item(cli) -> str:
    case_id = cli.json("case", "open", "rectification_item", "--as", "registrar", "--unit", "xf-sfs-1",
                       "--title", "请假审批材料不全", *RECT)["id"]
    cli.json("case", "advance", case_id, "verify", "--as", "supervisor")
    return str(case_id)


def dispatch(case_id: str, day: str) -> list[str]:
    return ["case", "advance", case_id, "dispatch", "--as", "supervisor", "--field", "measure=补齐材料",
            "--field", "owner=handler", "--field", f"rectify_by={day}"]


# ---- integer bounds --------------------------------------------------------------------------------
def test_a_year_outside_the_definitions_bounds_is_refused(cli, database_url):
    rating = ["case", "open", "integrity_rating", "--as", "registrar", "--unit", "xf-jd-1", "--title", "年度评价",
              "--field", "subject_kind=institution", "--field", "subject_name=某司法鉴定所"]
    error = refused(cli, database_url, *rating, "--field", "year=-5")
    assert (error["code"], error["message"]) == (
        "value.integer_between", "field 'year': -5 is outside the allowed range 2000 to 2100")
    error = refused(cli, database_url, *rating, "--field", "year=20250")
    assert error["message"] == "field 'year': 20250 is outside the allowed range 2000 to 2100"
    assert cli.json(*rating, "--field", "year=2025")["state"]


# ---- past deadline dates ------------------------------------------------------------------------------
def test_a_deadline_date_before_today_is_refused(cli, database_url):
    case_id = verified_item(cli)
    error = refused(cli, database_url, *dispatch(case_id, "2026-03-01"))
    assert error["code"] == "value.date_past"
    assert error["message"] == ("field 'rectify_by': 2026-03-01 is in the past; give today (2026-03-02) "
                                "or a later date")
    assert cli.json(*dispatch(case_id, "2026-03-02"))["state"] == "rectifying"  # today is fine


def test_today_is_the_beijing_date(cli, database_url):
    """At 2026-03-01T17:00Z it is already 03-02 in Beijing: 03-01 is the past there."""
    case_id = verified_item(cli)
    result = cli(*dispatch(case_id, "2026-03-01"), "--json", RECTIFLOW_NOW="2026-03-01T17:00:00Z")
    clean_failure(result, 1)
    assert one_json(result)["code"] == "value.date_past"


def test_an_extension_request_for_a_past_date_is_refused(cli, database_url):
    case_id = verified_item(cli)
    cli.json(*dispatch(case_id, "2026-03-31"))
    ask = ["case", "advance", case_id, "request_extension", "--as", "handler", "--field", "extension_reason=调档"]
    error = refused(cli, database_url, *ask, "--field", "extension_until=2026-02-27")
    assert error["message"].startswith("field 'extension_until': 2026-02-27 is in the past")
    assert cli.json(*ask, "--field", "extension_until=2026-04-30")["state"] == "extension_pending"


def test_a_date_that_is_not_a_deadline_may_lie_in_the_past(cli):
    case_id = cli.json("case", "open", "rectification_item", "--as", "registrar", "--unit", "xf-sfs-1",
                       "--title", "线索", *RECT)["id"]
    cli.json("case", "advance", case_id, "verify", "--as", "supervisor", "--field", "clue_received_at=2021-05-01")


# ---- files -----------------------------------------------------------------------------------------------
def rectifying(cli) -> str:
    case_id = verified_item(cli)
    cli.json(*dispatch(case_id, "2026-03-31"))
    return case_id


def report(case_id: str, *attach: str) -> list[str]:
    return ["case", "advance", case_id, "report_rectified", "--as", "handler", "--field", "result=已整改",
            *[a for path in attach for a in ("--attach", path)]]


def test_an_empty_file_is_refused_and_is_no_evidence(cli, database_url, tmp_path):
    case_id = rectifying(cli)
    empty = tmp_path / "整改报告.pdf"
    empty.write_bytes(b"")
    error = refused(cli, database_url, *report(case_id, str(empty)))
    assert (error["code"], error["message"]) == (
        "file.empty", "file '整改报告.pdf' is empty (0 bytes); attach a file with content")
    full = tmp_path / "佐证.pdf"
    full.write_bytes(b"%PDF-1.4 content")
    refused(cli, database_url, *report(case_id, str(full), str(empty)))  # one empty file spoils the step
    assert cli.json(*report(case_id, str(full)))["state"] == "signoff_pending"


def test_direction_controls_are_stripped_from_file_names(cli, tmp_path):
    case_id = rectifying(cli)
    sneaky = tmp_path / "report\u202etxt.exe\u2066.pdf"
    sneaky.write_bytes(b"evidence")
    cli.json(*report(case_id, str(sneaky)))
    [stored] = cli.json("case", "show", case_id)["fields"]["evidence"]
    assert stored["name"] == "reporttxt.exe.pdf"


def test_direction_controls_in_a_title_are_refused(cli, database_url):
    error = refused(cli, database_url, "case", "open", "rectification_item", "--as", "registrar", "--unit",
                    "xf-sfs-1", "--title", "审批\u202e材料", *RECT)
    assert error["code"] == "text.bidi_controls"
    assert error["message"].startswith("title: contains invisible text-direction characters")


# ---- exit codes as README.md documents them -----------------------------------------------------------------
def test_invalid_values_exit_1_and_refusals_exit_3(cli, database_url):
    """README: 1 = invalid input (a value of the wrong type or out of range …), 3 = not allowed (state, role,
    guard, a missing required field)."""
    case_id = verified_item(cli)
    assert refused(cli, database_url, *dispatch(case_id, "31/03/2026"))["error"] == "InvalidInput"
    missing = ["case", "advance", case_id, "dispatch", "--as", "supervisor", "--field", "measure=m"]
    assert refused(cli, database_url, *missing, code=3)["error"] == "MissingField"
    assert refused(cli, database_url, *dispatch(case_id, "2026-03-31")[:4], "--as", "handler", code=3)
    from factories import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "`1` error, invalid input" in readme
    assert "`3` not allowed (wrong state, role, guard, missing required field" in readme
