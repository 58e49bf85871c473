"""`rectiflow definitions migrate`: running cases move to a newer definition version, audited, replayable.

Version 2 of the test-only ledger_item (written into the test's private definitions folder) renames the
state `verified` to `confirmed` and the trigger `verify` to `confirm`: a case in `verified` cannot be placed
without `--map verified=confirmed`, and every history with a `verify` step is a replay regression.
On SQLite and PostgreSQL.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from cli_runner import Cli, clean_failure, one_json
from factories import LEDGER, raw_execute

from workflow.audit.case_check import replay_finding
from workflow.bootstrap import audit_keygen, build
from workflow.cases.migration import migrate, plan_migration
from workflow.config import Settings

V1 = LEDGER.read_text(encoding="utf-8")


def v2_text() -> str:
    text = V1.replace("version: 1\n", "version: 2\n").replace("  verified:\n", "  confirmed:\n")
    text = text.replace("dest: verified", "dest: confirmed").replace("source: verified", "source: confirmed")
    return text.replace("  - trigger: verify\n", "  - trigger: confirm\n")


@pytest.fixture
def world(cli: Cli, cli_defs: Path, tmp_path: Path):
    """Cases on v1 (two verified, one reported, one dropped), then v2 published."""
    private, public, _ = audit_keygen(tmp_path / "keys", "bureau-audit")
    cli.env["RECTIFLOW_AUDIT_KEY"] = str(private)
    ids = {name: cli.open_case() for name in ("reported", "verified1", "verified2", "dropped")}
    for name in ("verified1", "verified2"):
        cli.ok("case", "advance", ids[name], "verify", "--as", "supervisor")
    cli.ok("case", "advance", ids["dropped"], "drop", "--as", "supervisor", "--comment", "查无此事")
    cli.ok("audit", "checkpoint")  # the v1 history is signed before anything moves
    (cli_defs / "ledger_item.yaml").write_text(v2_text(), encoding="utf-8")
    cli.ok("definitions", "list")  # every command stores new file versions when it starts
    return ids, public


def app_of(cli: Cli):
    return build(Settings.from_env(cli.env))


def events_count(cli: Cli) -> int:
    app = app_of(cli)
    try:
        with app.store.read() as tx:
            return sum(1 for _ in tx.iter_events())
    finally:
        app.close()


def test_dry_run_lists_every_running_case_and_writes_nothing(cli, world):
    ids, _ = world
    before = events_count(cli)
    data = cli.json("definitions", "migrate", "ledger_item", "--to", "2", "--dry-run", "--as", "admin")
    by_case = {c["case"]: c for c in data["cases"]}
    assert set(by_case) == {ids["reported"], ids["verified1"], ids["verified2"]}  # the dropped case is final
    assert by_case[ids["reported"]]["movable"] and by_case[ids["reported"]]["to_state"] == "reported"
    for name in ("verified1", "verified2"):
        case = by_case[ids[name]]
        assert not case["movable"] and case["to_state"] is None
        assert any("'verified' does not exist in version 2" in p for p in case["problems"])
        [regression] = case["regressions"]  # the `verify` step: v2 calls it `confirm`
        assert regression["trigger"] == "verify" and regression["version"] == 2
    assert data["dry_run"] is True and events_count(cli) == before

    mapped = cli.json("definitions", "migrate", "ledger_item", "--to", "2", "--dry-run", "--as", "admin",
                      "--map", "verified=confirmed")
    assert all(c["movable"] for c in mapped["cases"]) and mapped["movable"] == 3
    text = cli.ok("definitions", "migrate", "ledger_item", "--to", "2", "--dry-run", "--as", "admin").stdout
    assert f"{ids['verified1']} v1 verified → ?: cannot move" in text and "replay regression at event 2" in text
    assert events_count(cli) == before


def test_real_run_skips_the_unplaceable_then_moves_them_with_a_map(cli, world, tmp_path):
    ids, public = world
    first = cli("definitions", "migrate", "ledger_item", "--to", "2", "--as", "admin", "--json")
    assert first.exit_code == 1, first.stdout
    data = one_json(first)
    outcomes = {c["case"]: c["outcome"] for c in data["cases"]}
    assert outcomes == {ids["reported"]: "migrated", ids["verified1"]: "skipped", ids["verified2"]: "skipped"}

    second = cli.json("definitions", "migrate", "ledger_item", "--to", "2", "--as", "admin",
                      "--map", "verified=confirmed")
    assert {c["case"]: c["outcome"] for c in second["cases"]} == {ids["verified1"]: "migrated",
                                                                   ids["verified2"]: "migrated"}
    shown = cli.json("case", "show", ids["verified1"])
    assert (shown["state"], shown["definition_version"]) == ("confirmed", 2)

    app = app_of(cli)
    try:
        for name in ("reported", "verified1", "verified2"):
            events, replayed = app.cases.history(ids[name])
            row = app.cases.get(ids[name])
            assert replayed == row and row.definition_version == 2
            moved = events[-1]
            assert moved.action == "migrated" and moved.actor == "admin"
            assert moved.payload["from_version"] == 1 and moved.payload["to_version"] == 2
            assert moved.payload["by"] == "admin"
            # the history page's check walks the chain through both versions
            assert replay_finding(events, row, app.registry.get) is None
        # the battle map's timeline puts the new state under the new version (its stage and label are there)
        current = ("SELECT definition_version, state FROM case_timeline WHERE case_id = :c "
                   "AND valid_to = '9999-12-31T23:59:59.999999Z'")
        [(version, state)] = raw_execute(cli.env["RECTIFLOW_DATABASE_URL"], current, params=[{"c": ids["verified1"]}])
        assert (version, state) == (2, "confirmed")
        dropped = app.cases.get(ids["dropped"])
        assert dropped.definition_version == 1  # a closed case keeps the rules it closed under
    finally:
        app.close()

    # v2 steps afterwards; the v1 trigger is gone
    cli.ok("case", "advance", ids["verified1"], "dispatch", "--as", "supervisor", "--field", "owner=handler",
           "--field", "due=2026-06-30")
    cli.ok("case", "advance", ids["reported"], "confirm", "--as", "supervisor")
    clean_failure(cli("case", "advance", ids["verified2"], "verify", "--as", "supervisor"), 3)

    cli.ok("audit", "checkpoint")
    verified = cli("audit", "verify", "--json", "--key", str(public))
    assert verified.exit_code == 0, verified.stdout
    result = one_json(verified)
    assert result["ok"] is True and all(cp["ok"] for cp in result["checkpoints"]), result


def test_a_change_after_the_judgement_is_detected_and_skipped(cli, world):
    ids, _ = world
    app = app_of(cli)
    try:
        plan = plan_migration(app.cases, "ledger_item", 2, {"verified": "confirmed"}, actor="admin")
        app.cases.add_comment(ids["verified1"], actor="supervisor", text="迁移前的补充说明")  # moves it on
        migrate(app.cases, plan, actor="admin")
        outcome = {c.case_id: c for c in plan.cases}
        stale = outcome[ids["verified1"]]
        assert stale.outcome == "skipped" and any("changed since it was judged" in p for p in stale.problems)
        assert app.cases.get(ids["verified1"]).definition_version == 1
        assert outcome[ids["verified2"]].outcome == "migrated"
    finally:
        app.close()


@pytest.mark.parametrize("args, says", [
    (("--map", "verified"), "expected OLD_STATE=NEW_STATE"),
    (("--map", "=confirmed"), "expected OLD_STATE=NEW_STATE"),
    (("--map", "verified=nowhere"), "ledger_item v2 has no state 'nowhere'"),
    (("--map", "nowhere=confirmed"), "ledger_item v1 has no state 'nowhere'"),
    (("--map", "verified=confirmed", "--map", "verified=reported"), "once per state; got 'verified=reported'"),
])
def test_a_bad_request_is_a_usage_error_and_writes_nothing(cli, world, args, says):
    before = events_count(cli)
    result = cli("definitions", "migrate", "ledger_item", "--to", "2", "--as", "admin", *args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert says in result.stderr and "Traceback" not in result.stderr
    assert events_count(cli) == before


def test_unknown_version_or_type_and_who_may(cli, world):
    before = events_count(cli)
    result = cli("definitions", "migrate", "ledger_item", "--to", "7", "--as", "admin")
    assert result.exit_code == 2, result.stderr
    assert "unknown case type 'ledger_item@v7' (loaded: v1, v2)" in result.stderr
    result = cli("definitions", "migrate", "no_such_type", "--to", "2", "--as", "admin")
    assert result.exit_code == 2 and "unknown case type 'no_such_type'" in result.stderr, result.stderr
    clean_failure(cli("definitions", "migrate", "ledger_item", "--to", "2", "--as", "supervisor"), 3)
    assert events_count(cli) == before
