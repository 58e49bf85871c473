"""The committed figures (bench/baseline/summary.json), BENCHMARKS.md's table generated from them, and their refresh.

The page's summary block must be exactly what `python -m bench.tables` writes from the committed baseline, so a
figure cannot be changed in one place only; every figure names a run recorded with its commit, date, load and
sizes; `python -m bench.baseline DIR` promotes a full run and nothing else does.
"""
from __future__ import annotations

import copy
import json

import pytest

from bench import baseline as promote_cmd
from bench import tables
from bench.common import SUMMARY_KEYS
from bench.targets import TARGETS, verdict


def test_benchmarks_md_summary_block_is_generated_from_the_committed_baseline():
    page = tables.BENCHMARKS.read_text()
    assert tables.render(page, tables.load()) == page, "run `python -m bench.tables` and commit BENCHMARKS.md"
    assert tables.main(["--check"]) == 0


def test_a_figure_changed_in_the_baseline_only_is_caught():
    page, committed = tables.BENCHMARKS.read_text(), tables.load()
    changed = copy.deepcopy(committed)
    changed["figures"]["replay_ms"]["value"] = 4.7
    assert tables.render(page, changed) != page
    assert "| 4.7 ms |" in tables.render(page, changed)


def test_every_summary_key_is_committed_with_its_run():
    committed = tables.load()
    assert list(committed["figures"]) == list(SUMMARY_KEYS)
    for key, entry in committed["figures"].items():
        assert {"value", "n", "db", "run"} <= set(entry), key
        if entry["value"] is None:  # never a made-up number: a missing figure says why
            assert entry.get("status") and entry.get("reason"), key
        else:
            run = committed["runs"][entry["run"]]
            assert {"command", "commit", "date", "load_average", "sizes", "machine"} <= set(run), entry["run"]
            assert run["machine"]["cores"] and run["commit"], entry["run"]
    assert {e["run"] for e in committed["figures"].values()} == set(committed["runs"]), "no unused run records"


def test_verdicts_judge_a_target_only_at_its_size():
    inbox = TARGETS["inbox_p95_ms"]  # <= 10 ms at 1,000,000 cases
    assert verdict(inbox, 7.0, 1_000_000) == "met"
    assert verdict(inbox, 12.0, 1_000_000) == "missed"
    assert verdict(inbox, 1.0, 1000).startswith("not judged")
    assert verdict(TARGETS["verify_events_per_s"], 150_000.0, 1000) == "met"  # higher is better, any size
    assert verdict(TARGETS["ledger_import_rows_per_s"], 200.0, 5000) == "—"   # context, no target
    assert verdict(inbox, None, None, {"status": "not available"}) == "not available"


def _results(tmp_path, preset: str, figures: dict):
    results = tmp_path / "results"
    results.mkdir()
    (results / "summary.json").write_text(json.dumps(figures))
    run = {"command": f"python -m bench --{preset}", "preset": preset, "started_at": "2027-01-02T03:04:05Z",
           "finished_at": "2027-01-02T04:00:00Z", "load_average_start": [0.5, 0.4, 0.3],
           "load_average_end": [1.0, 0.9, 0.8], "sizes": {"dataset_sizes": [100000, 1000000]},
           "machine": {"cores": 2, "cpu": "test", "commit": "abc1234", "load_average_1_5_15": [1, 1, 1]}}
    (results / "run.json").write_text(json.dumps(run))
    return results


@pytest.fixture
def committed_copy(tmp_path):
    """The committed baseline and page, copied: promote writes to the copies."""
    base, page = tmp_path / "summary.json", tmp_path / "BENCHMARKS.md"
    base.write_text(tables.BASELINE.read_text())
    page.write_text(tables.BENCHMARKS.read_text())
    return base, page


def test_promote_refuses_a_run_that_is_not_full(tmp_path, committed_copy, capsys):
    base, page = committed_copy
    results = _results(tmp_path, "quick", {"replay_ms": {"value": 9.0, "n": 1, "db": "sqlite"}})
    before = base.read_text()
    assert promote_cmd.main([str(results), "--baseline", str(base), "--page", str(page)]) == 2
    assert "not a full one" in capsys.readouterr().err
    assert base.read_text() == before


def test_promote_takes_the_runs_figures_keeps_the_others_and_rewrites_the_table(tmp_path, committed_copy):
    base, page = committed_copy
    old = json.loads(base.read_text())
    results = _results(tmp_path, "full", {
        "replay_ms": {"value": 3.5, "n": 1, "db": "sqlite", "events": 1002},
        "sweep_ms": {"value": None, "n": None, "db": None, "status": "failed", "reason": "boom"}})
    assert promote_cmd.main([str(results), "--baseline", str(base), "--page", str(page)]) == 0
    new = json.loads(base.read_text())
    assert new["figures"]["replay_ms"] == {"value": 3.5, "n": 1, "db": "sqlite", "events": 1002,
                                           "run": "full-abc1234-2027-01-02T03:04"}
    assert new["figures"]["sweep_ms"] == old["figures"]["sweep_ms"]  # not measured this time: kept, with its run
    run = new["runs"]["full-abc1234-2027-01-02T03:04"]
    assert run["commit"] == "abc1234" and "[0.5, 0.4, 0.3]" in run["load_average"]
    assert "load_average_1_5_15" not in run["machine"]
    assert old["figures"]["replay_ms"]["run"] not in new["runs"]  # its only figure was replaced
    assert tables.render(page.read_text(), new) == page.read_text()
    assert "| 3.5 ms |" in page.read_text()
