"""`audit verify` also checks the battle map's derived timeline (case_timeline) against the log.

"The battle map as of a date" is read from case_timeline, not from a fold of the events, so an
edited, missing or invented timeline row would show a false past. verify derives each sound case's
timeline from its events and compares it with the stored rows, in every range and process.
"""
from __future__ import annotations

import pytest
from cli_process import run_cli
from factories import raw_execute

from rectiflow.demo import walk_rectification
from workflow.adapters.sql.audit_scan import verify_database

TIMELINE = "case_timeline"


def _cases(app, n: int = 3) -> list[str]:
    return [walk_rectification(app).id for _ in range(n)]


def _problem_cases(url: str, jobs: int = 1) -> list[str]:
    report = verify_database(url, jobs=jobs, min_cases_per_job=1).to_dict()
    return [p["case"] for p in report["problems"] if TIMELINE in p["reason"]]


def test_a_sound_database_has_a_sound_timeline(app, database_url, instance_dir):
    _cases(app)
    assert verify_database(database_url, jobs=2, min_cases_per_job=1).ok
    cli = run_cli(database_url, instance_dir, "audit", "verify", "--json")
    assert cli.code == 0, cli


@pytest.mark.parametrize("forgery", ["edit a state", "move a deadline", "delete the rows", "invent a case"])
def test_a_forged_timeline_is_named(app, database_url, instance_dir, forgery):
    victim, *others = _cases(app)
    statements = {
        "edit a state": f"UPDATE {TIMELINE} SET state = 'closed' WHERE case_id = :c AND version = 1",
        "move a deadline": f"UPDATE {TIMELINE} SET due_at = '2030-01-01T00:00:00.000000Z' "
                           f"WHERE case_id = :c AND due_at IS NOT NULL",
        "delete the rows": f"DELETE FROM {TIMELINE} WHERE case_id = :c",
        "invent a case": f"INSERT INTO {TIMELINE} (case_id, version, valid_from, valid_to, type, definition_version,"
                         " state, unit, due_at, yellow_at, late) VALUES (:c, 1, '2026-01-01T00:00:00.000000Z',"
                         " '9999-12-31T23:59:59.999999Z', 'rectification_item', 1, 'reported', 'xf-sfs-1',"
                         " NULL, NULL, FALSE)",
    }
    if forgery == "invent a case":
        victim = "c0000000000000000"
    raw_execute(database_url, statements[forgery], params=[{"c": victim}])
    for jobs in (1, 2):
        assert _problem_cases(database_url, jobs) == [victim], (forgery, jobs)
    cli = run_cli(database_url, instance_dir, "audit", "verify", "--json")
    assert cli.code == 1 and [p["case"] for p in cli.json()["problems"]] == [victim]
    assert not set(others) & set(_problem_cases(database_url))
