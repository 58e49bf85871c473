"""`definitions check` catches deleting or renaming a case type that other definitions reference: the `opens:`
of other case types and the traces of the plan's coverage map, each named at PATH:LINE (exit 1)."""
from __future__ import annotations

from cli_runner import clean_failure


def _line_of(path, fragment: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if fragment in line)


def test_renaming_an_opened_type_is_named_where_it_is_opened(no_db_cli, cli_defs):
    target = cli_defs / "licence_cancellation.yaml"
    target.write_text(target.read_text(encoding="utf-8").replace("name: licence_cancellation\n",
                                                                 "name: licence_revocation\n"), encoding="utf-8")
    opener = cli_defs / "departed_staff.yaml"
    line = _line_of(opener, "- type: licence_cancellation")
    result = no_db_cli("definitions", "check", str(target))  # only the renamed file is checked
    clean_failure(result, 1)
    assert (f"{opener}:{line}: transition" in result.stderr
            and "opens 'licence_cancellation': no such case type" in result.stderr), result.stderr


def test_deleting_an_opened_type_is_named_where_it_is_opened(no_db_cli, cli_defs):
    (cli_defs / "licence_cancellation.yaml").unlink()
    opener = cli_defs / "departed_staff.yaml"
    line = _line_of(opener, "- type: licence_cancellation")
    result = no_db_cli("definitions", "check")
    clean_failure(result, 1)
    assert f"{opener}:{line}: transition" in result.stderr and "no such case type" in result.stderr, result.stderr


def test_a_coverage_trace_to_a_renamed_type_is_named(no_db_cli, cli_defs):
    target = cli_defs / "case_lookback.yaml"
    target.write_text(target.read_text(encoding="utf-8").replace("name: case_lookback\n", "name: lookback\n"),
                      encoding="utf-8")
    coverage = cli_defs / "campaigns" / "plan-coverage.yaml"
    line = _line_of(coverage, "case_type: case_lookback")
    result = no_db_cli("definitions", "check", str(coverage))
    clean_failure(result, 1)
    assert f"{coverage}:{line}: item" in result.stderr and "unknown case type 'case_lookback'" in result.stderr, \
        result.stderr
    assert no_db_cli("definitions", "check", str(cli_defs / "clue.yaml")).exit_code == 0  # unrelated files pass
