"""`rectiflow campaign load FILE --dry-run [--json]` shows the reconciliation of an edited plan and writes nothing;
the real load prints the same diff. The JSON contract: {"campaign", "dry_run", "measures", "added", "changed",
"dropped", "reinstated", "unchanged"} (+ "cases", "created", "units_created" when loaded). In-process
(cli_runner), SQLite and PostgreSQL."""
from __future__ import annotations

import json
import subprocess
import sys

from factories import REPO

from workflow.bootstrap import audit_keygen

XIFENG = REPO / "definitions" / "campaigns" / "xifeng-2021.yaml"
DATED, DROPPED = "二(一)措施(1)", "二(六)措施(2)"
DIFF_KEYS = {"campaign", "dry_run", "measures", "added", "changed", "dropped", "reinstated", "unchanged"}


def edited(tmp_path):
    text = XIFENG.read_text(encoding="utf-8")
    at = text.index("deadline: 2021-05-31", text.index(f"- id: {DATED}\n"))
    text = text[:at] + "deadline: 2021-07-15" + text[at + len("deadline: 2021-05-31"):]
    text = text[:text.index(f"      - id: {DROPPED}")] + text[text.index("    target: {id: 二(六)目标"):]
    path = tmp_path / "edited.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_dry_run_lists_the_diff_and_writes_nothing(cli, tmp_path):
    loaded = cli.json("campaign", "load", str(XIFENG))
    assert set(loaded) == DIFF_KEYS | {"cases", "created", "units_created"} and loaded["dry_run"] is False
    path = edited(tmp_path)
    status = cli.json("campaign", "status", "xifeng-2021")
    preview = cli.json("campaign", "load", path, "--dry-run")
    assert set(preview) == DIFF_KEYS and preview["dry_run"] is True and preview["unchanged"] == 23
    [changed] = preview["changed"]
    assert changed["measure"] == DATED and changed["case"] in loaded["cases"]
    assert changed["changes"] == {"due_date": {"from": "2021-05-31", "to": "2021-07-15"}}
    [dropped] = preview["dropped"]
    assert dropped == {"measure": DROPPED, "case": loaded["cases"][-1], "state": "planned"}
    assert cli.json("campaign", "status", "xifeng-2021") == status  # nothing written
    text = cli.ok("campaign", "load", path, "--dry-run").stdout
    assert "dry run, nothing written" in text and "due_date: 2021-05-31 → 2021-07-15" in text
    assert f"- {DROPPED}  case {loaded['cases'][-1]}  planned → withdrawn" in text

    applied = cli.json("campaign", "load", path)
    assert (applied["changed"], applied["dropped"]) == (preview["changed"], preview["dropped"])
    rows = {m["id"]: m for m in cli.json("campaign", "status", "xifeng-2021")["measures"]}
    assert rows[DROPPED]["state"] == "withdrawn" and rows[DROPPED]["in_plan"] is False
    assert cli.json("audit", "verify")["ok"] is True
    again = cli.json("campaign", "load", path, "--dry-run")
    assert (again["changed"], again["dropped"], again["unchanged"]) == ([], [], 24)


def test_an_export_after_a_reload_verifies_with_both_verifiers(cli, tmp_path):
    """The bundle of a reloaded plan (plan_revised events, a withdrawal) passes `audit verify --bundle` and the
    standalone verifier, as signed by a checkpoint taken before and after."""
    private, public, _ = audit_keygen(tmp_path / "keys", "bureau-audit")
    cli.env["RECTIFLOW_AUDIT_KEY"] = str(private)
    cli.ok("campaign", "load", str(XIFENG))
    cli.ok("audit", "checkpoint")
    cli.ok("campaign", "load", edited(tmp_path))
    cli.ok("audit", "checkpoint")
    bundle = tmp_path / "all.jsonl"
    cli.ok("audit", "export", "-o", str(bundle))
    report = cli.json("audit", "verify", "--bundle", str(bundle), "--key", str(public))
    assert report["ok"] is True and report["problems"] == [], report
    alone = subprocess.run([sys.executable, "-m", "workflow.audit.bundle_verify", str(bundle), "--key", str(public)],
                           capture_output=True, text=True, timeout=120, cwd=str(REPO))
    assert alone.returncode == 0 and json.loads(alone.stdout)["problems"] == [], alone.stdout + alone.stderr
