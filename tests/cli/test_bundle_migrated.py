"""A bundle of a database whose cases were migrated (`definitions migrate`) verifies; a forged migration does not.

The setup is tests/cli/test_definitions_migrate.py's: ledger_item v2 (written into the test's definitions
folder) renames `verified` to `confirmed`. The bundle carries v2 because `migrated` events move cases to
it; both verifiers (`rectiflow audit verify --bundle` and `python -m workflow.audit.bundle_verify`) accept
the export, and refuse a `migrated` event whose `to` is no state of v2 even after the forger re-hashes the
chain and recomputes the trailer. A stored version the parser refuses does not stop the export: the
verifier says which cases it could not check. On SQLite and PostgreSQL.
"""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_runner import Cli, one_json
from factories import REPO, raw_execute
from test_definitions_migrate import world  # noqa: F401 — fixture

from workflow.audit import bundle_verify
from workflow.events import canonical_json

Lines = list[dict[str, Any]]


@pytest.fixture
def migrated(cli: Cli, world, tmp_path):  # noqa: F811
    """Three cases migrated to v2 (one stepping on under v2), then a full and a case export."""
    ids, public = world
    cli.ok("definitions", "migrate", "ledger_item", "--to", "2", "--as", "admin", "--map", "verified=confirmed")
    cli.ok("case", "advance", ids["reported"], "confirm", "--as", "supervisor")
    full, case = tmp_path / "all.jsonl", tmp_path / "case.jsonl"
    cli.ok("audit", "export", "-o", str(full))
    cli.ok("audit", "export", "--case", ids["verified1"], "-o", str(case))
    return {"ids": ids, "public": public, "all": full, "case": case}


def verify_both(cli: Cli, path: Path, public: Path) -> tuple[int, dict[str, Any]]:
    """Both verifiers on `path` with the log's key; they must agree. (exit code, report)."""
    result = cli("audit", "verify", "--bundle", str(path), "--key", str(public), "--json")
    alone = subprocess.run([sys.executable, "-m", "workflow.audit.bundle_verify", str(path), "--key", str(public)],
                           capture_output=True, text=True, timeout=60, cwd=str(REPO))
    assert "Traceback" not in (result.stderr or "") + alone.stderr, alone.stderr
    report = one_json(result)
    assert result.exit_code == alone.returncode, (result.stdout, alone.stdout)
    assert report["problems"] == json.loads(alone.stdout)["problems"]
    return result.exit_code, report


def read(path: Path) -> Lines:
    return [json.loads(line) for line in path.read_bytes().splitlines()]


def forge(path: Path, lines: Lines) -> Path:
    """A careful forger: every event hash of the edited case re-chained, then the trailer recomputed."""
    heads: dict[str, str] = {}
    for x in lines:
        if x["type"] == "event":
            x["prev_hash"] = heads.get(x["case"], bundle_verify.GENESIS)
            x["hash"] = heads[x["case"]] = bundle_verify.event_hash(x)
    body = [(canonical_json(x) + "\n").encode("utf-8") for x in lines[:-1]]
    trailer = {"type": "trailer", "digest": hashlib.sha256(b"".join(body)).hexdigest(),
               "events": sum(x["type"] == "event" for x in lines), "access": sum(x["type"] == "access" for x in lines)}
    path.write_bytes(b"".join(body) + (canonical_json(trailer) + "\n").encode("utf-8"))
    return path


def test_a_bundle_with_migrations_verifies_and_carries_the_new_version(cli, migrated):
    for name in ("all", "case"):
        lines = read(migrated[name])
        carried = {(d["name"], d["version"]) for d in lines[0]["definitions"]}
        assert ("ledger_item", 2) in carried, carried  # the case bundle: named only by the migrated event's payload
        moves = [x for x in lines if x.get("action") == "migrated"]
        assert moves and all(x["definition_version"] == 1 and x["payload"]["to_version"] == 2 for x in moves)
        code, report = verify_both(cli, migrated[name], migrated["public"])
        assert code == 0 and report["ok"] is True, report["problems"]


def test_a_migration_to_a_state_the_new_version_lacks_is_refused(cli, migrated, tmp_path):
    ids = migrated["ids"]
    lines = read(migrated["all"])
    [move] = [x for x in lines if x.get("case") == ids["verified1"] and x.get("action") == "migrated"]
    move["to"] = "verified"  # v1's name: v2 renamed it
    later = [x for x in lines if x.get("case") == ids["verified1"] and x.get("version", 0) > move["version"]]
    for x in later:  # keep continuity after the forged step, so only the migration itself is wrong
        if x["from"] == "confirmed":
            x["from"] = "verified"
    code, report = verify_both(cli, forge(tmp_path / "forged.jsonl", lines), migrated["public"])
    assert code == 1
    assert any(p["what"] == "state" and (p["case"], p["version"]) == (ids["verified1"], move["version"])
               and "migrates to 'verified', which is no state of ledger_item v2" in p["reason"]
               for p in report["problems"]), report["problems"]


def test_a_migration_whose_new_version_is_not_in_the_header_is_refused(cli, migrated, tmp_path):
    lines = read(migrated["case"])
    lines[0]["definitions"] = [d for d in lines[0]["definitions"] if (d["name"], d["version"]) != ("ledger_item", 2)]
    code, report = verify_both(cli, forge(tmp_path / "forged.jsonl", lines), migrated["public"])
    assert code == 1
    assert any("ledger_item v2 (the version the case migrates to) is not in the header" in p["reason"]
               for p in report["problems"]), report["problems"]


def test_an_event_naming_the_old_version_after_the_migration_is_refused(cli, migrated, tmp_path):
    ids = migrated["ids"]
    lines = read(migrated["all"])
    [after] = [x for x in lines if x.get("case") == ids["reported"] and x.get("action") != "migrated"
               and x.get("definition_version") == 2]
    after["definition_version"] = 1  # the step claims the old rules although the case moved to v2
    code, report = verify_both(cli, forge(tmp_path / "forged.jsonl", lines), migrated["public"])
    assert code == 1
    assert any((p["case"], p["version"]) == (ids["reported"], after["version"])
               and "the case is on v2" in p["reason"] for p in report["problems"]), report["problems"]


def test_a_stored_version_the_parser_refuses_does_not_stop_the_export(cli, migrated, tmp_path):
    ids = migrated["ids"]
    url = cli.env["RECTIFLOW_DATABASE_URL"]
    [(text,)] = raw_execute(url, "SELECT text FROM definitions WHERE name = 'ledger_item' AND version = 1")
    raw_execute(url, "UPDATE definitions SET text = :t WHERE name = 'ledger_item' AND version = 1",
                params=[{"t": text + "no_such_key: 1\n"}])  # as an older, laxer rectiflow could have stored it
    out = tmp_path / "refused.jsonl"
    done = cli("audit", "export", "-o", str(out))
    assert done.exit_code == 0 and "Traceback" not in (done.stderr or ""), (done.stdout, done.stderr)
    [v1] = [d for d in read(out)[0]["definitions"] if (d["name"], d["version"]) == ("ledger_item", 1)]
    assert (v1["initial"], v1["transitions"]) == (None, None) and v1["yaml"].endswith("no_such_key: 1\n")
    code, report = verify_both(cli, out, migrated["public"])
    assert code == 1
    unchecked = [p for p in report["problems"] if "ledger_item v1 could not be read" in p["reason"]]
    assert {p["case"] for p in unchecked} == set(ids.values())  # once per case, and nothing else is wrong
    assert len(unchecked) == len(report["problems"]), report["problems"]
