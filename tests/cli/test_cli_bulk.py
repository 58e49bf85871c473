"""`rectiflow case bulk …`: per-case outcomes, a refused case not stopping the others, exit 3 when any was refused,
a bad request refused whole (exit 1, nothing written)."""
from __future__ import annotations

import json

from cli_runner import clean_failure, one_json


def test_bulk_assign_reports_each_case_and_exits_3_when_one_is_refused(cli):
    mine = [cli.open_case(), cli.open_case()]
    away = cli.open_case(unit="xf-sfs-2")
    result = cli("case", "bulk", "assign", "--as", "unit_head", "--to", "handler", *mine, away, "--json")
    assert result.exit_code == 3
    data = json.loads(result.stdout.splitlines()[0])
    assert (data["done"], data["refused"]) == (2, 1)
    assert [c["done"] for c in data["cases"]] == [True, True, False]
    assert [c["version"] for c in data["cases"]] == [2, 2, 1]  # one event per case done, none for the refused
    text = cli("--lang", "zh", "case", "bulk", "flag", "--as", "supervisor", "--level", "1", *mine).stdout
    assert "2 done, 0 refused" in text


def test_bulk_with_a_stale_version_refuses_that_case_only(cli):
    a, b = cli.open_case(), cli.open_case()
    data = one_json(cli.ok("case", "bulk", "flag", "--as", "supervisor", "--level", "2", f"{a}@1", f"{b}@1", "--json"))
    assert data["done"] == 2
    result = cli("case", "bulk", "flag", "--as", "supervisor", "--level", "1", f"{a}@1", b, "--json")
    assert result.exit_code == 3
    cases = json.loads(result.stdout.splitlines()[0])["cases"]
    assert [(c["done"], c["error"]) for c in cases] == [(False, "ConcurrencyConflict"), (True, None)]


def test_a_bad_bulk_request_writes_nothing(cli):
    a = cli.open_case()
    clean_failure(cli("case", "bulk", "dispatch", "--as", "supervisor", "--measure", "措施", "--deadline", "明天", a),
                  1)
    clean_failure(cli("case", "bulk", "flag", "--as", "supervisor", "--level", "1", f"{a}@x"), 1)
    data = one_json(cli.ok("case", "bulk", "flag", "--as", "supervisor", "--level", "1", f"{a}@1", "--json"))
    assert data["cases"][0]["version"] == 2  # still at version 1 before: nothing was written above
