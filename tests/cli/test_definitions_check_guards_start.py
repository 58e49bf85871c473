"""`definitions check` refuses every calendar a command could not start with, naming file and line; a
folder it passes starts every command; at start the same problems give the same message, exit 1, no traceback."""
from __future__ import annotations

import pytest
from cli_runner import clean_failure

CAL = "calendars/cn-mainland.yaml"
# (what to replace in the shipped calendar, by what; a fragment of the problem, or None: still valid;
#  optionally a text on the line the problem names, when that is not the replaced line)
MUTATIONS = {
    "impossible date": ("from: 2021-01-01, to: 2021-01-03", "from: 2021-02-30, to: 2021-01-03",
                        "'2021-02-30' is not a valid date"),
    "impossible quoted date": ("from: 2021-01-01, to: 2021-01-03", 'from: "2026-02-30", to: 2021-01-03',
                               "'2026-02-30' is not a date"),
    "reversed range": ("from: 2021-01-01, to: 2021-01-03", "from: 2021-01-03, to: 2021-01-01",
                       "'from' 2021-01-03 is after 'to' 2021-01-01"),
    "overlapping breaks": ("from: 2021-02-11, to: 2021-02-17", "from: 2021-02-11, to: 2021-04-04",
                           "overlap on 2021-04-03", "from: 2021-04-03"),  # named at the later break
    "workday on a weekday": ("workdays: [2021-02-07,", "workdays: [2021-02-08,", "2021-02-08 is a Monday"),
    "workday inside a holiday": ("from: 2021-02-11, to: 2021-02-17", "from: 2021-02-07, to: 2021-02-17",
                                 "2021-02-07 is both a workday and inside holiday 春节", "workdays: [2021-02-07"),
    "workday twice": ("workdays: [2021-02-07,", "workdays: [2021-02-07, 2021-02-07,", "listed twice"),
    "unknown zone": ("timezone: Asia/Shanghai", "timezone: Mars/Olympus", "unknown timezone"),
    "numeric version": ('version: "2026.1"', "version: 2026.1", "'version' is required"),
    "a year that is no year": ("  2021:\n", "  20x1:\n", "is not a four-digit year"),
    "not YAML": ("name: cn-mainland", "name: [cn-mainland", "malformed YAML", 'version: "2026.1"'),  # noticed there
    "a shorter but valid break": ("from: 2021-02-11, to: 2021-02-17", "from: 2021-02-11, to: 2021-02-16", None),
    "an English name changed": ("en: Spring Festival", "en: Chinese New Year", None),
}
# Commands that build the application (read roles, the calendar, the database) and need no arguments.
STARTS = (("escalate",), ("definitions", "list"), ("bulletin",), ("audit", "verify"))


def _line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment.strip() in line)


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_check_refuses_what_would_stop_a_command_and_passes_only_what_starts(name, cli, cli_defs):
    old, new, problem, *marker = MUTATIONS[name]
    path = cli_defs / CAL
    text = path.read_text("utf-8")
    assert old in text
    mutated = text.replace(old, new, 1)
    path.write_text(mutated, "utf-8")
    check = cli("definitions", "check")
    if problem is None:
        assert check.exit_code == 0, check.stderr
        for command in STARTS:
            started = cli(*command)
            assert started.exit_code == 0, (command, started.stderr)
        return
    clean_failure(check, 1)
    line = _line_of(mutated, marker[0] if marker else new.splitlines()[0])
    assert f"{path}:{line}: " in check.stderr and problem in check.stderr, check.stderr
    for command in STARTS:  # the same problem, file and line at start: exit 1, never a traceback
        started = cli(*command)
        clean_failure(started, 1)
        assert f"{path}:{line}: " in started.stderr and problem in started.stderr, started.stderr


def test_a_folder_without_its_calendar_is_refused_by_check(cli, cli_defs):
    (cli_defs / CAL).rename(cli_defs / "calendars" / "renamed.yaml")
    check = cli("definitions", "check")
    clean_failure(check, 1)
    assert f"{cli_defs / CAL}:?: missing: every rectiflow command reads this file at start" in check.stderr
    clean_failure(cli("escalate"), 1)
    assert cli("definitions", "check", str(cli_defs / "calendars" / "renamed.yaml")).exit_code == 0  # a file alone


def test_the_shipped_folder_passes_and_every_command_starts(cli):
    assert cli("definitions", "check").exit_code == 0
    for command in STARTS:
        assert cli(*command).exit_code == 0, command


ROLES_MUTATIONS = {
    "unknown capability": ("may: [act, read, claim, be_assigned, own_todo]", "may: [act, fly]",
                           "unknown capability 'fly'", "  handler:"),
    "no roles mapping": ("\nroles:\n", "\nrolez:\n", "expected `roles:`", None),
}


@pytest.mark.parametrize("name", list(ROLES_MUTATIONS))
def test_roles_problems_are_the_same_in_check_and_at_start(name, cli, cli_defs):
    old, new, problem, marker = ROLES_MUTATIONS[name]
    path = cli_defs / "roles.yaml"
    mutated = path.read_text("utf-8").replace(old, new, 1)
    path.write_text(mutated, "utf-8")
    line = _line_of(mutated, marker) if marker else 1
    for command in (("definitions", "check"), *STARTS):
        result = cli(*command)
        clean_failure(result, 1)
        assert f"{path}:{line}: " in result.stderr and problem in result.stderr, (command, result.stderr)
