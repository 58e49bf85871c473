"""`python -m bench.check DIR` prints figures more than 20 % worse than the committed baseline, never failing on them.

Small summary files in tmp_path stand for a run and for the committed baseline; the run is otherwise complete,
so the check's exit status is its own verdict on completeness (0), whatever the comparison prints.
"""
from __future__ import annotations

import json

import pytest

from bench import check
from bench.common import SUMMARY_KEYS
from bench.targets import TARGETS, missing


def _entry(key: str, value: float, n: int = 1000, db: str = "sqlite") -> dict:
    return {"value": value, "n": n, "db": db}


def _write_run(path, figures: dict, n: int = 1000) -> None:
    """A complete run folder: every key present, the verify of the generated data OK."""
    summary = {key: _entry(key, 1.0, n=n) for key in SUMMARY_KEYS}
    summary.update(figures)
    path.mkdir(exist_ok=True)
    (path / "summary.json").write_text(json.dumps(summary))
    (path / "replay_verify.json").write_text(json.dumps({"verify": {"sqlite-1000": {"ok": True}}}))


def _write_baseline(path, figures: dict) -> None:
    committed = {key: _entry(key, 1.0) for key in SUMMARY_KEYS}
    committed.update(figures)
    path.write_text(json.dumps({"runs": {}, "figures": committed}))


def _run_check(tmp_path, capsys, run: dict, committed: dict) -> tuple[int, str]:
    _write_run(tmp_path / "run", run)
    _write_baseline(tmp_path / "baseline.json", committed)
    status = check.main([str(tmp_path / "run"), "--baseline", str(tmp_path / "baseline.json")])
    out = capsys.readouterr()
    return status, out.out + out.err


@pytest.mark.parametrize(("key", "committed", "now"), [
    ("verify_events_per_s", 100_000.0, 75_000.0),   # higher is better: 25 % fewer events/s
    ("inbox_p95_ms", 8.0, 10.0),                    # lower is better: 25 % slower
])
def test_a_25_percent_regression_is_printed_and_the_exit_status_is_unchanged(tmp_path, capsys, key, committed, now):
    status, out = _run_check(tmp_path, capsys, {key: _entry(key, now)}, {key: _entry(key, committed)})
    assert status == 0
    assert "REGRESSION" in out and f"{key}:" in out and "25% worse" in out


@pytest.mark.parametrize(("key", "committed", "now"), [
    ("verify_events_per_s", 100_000.0, 85_000.0),   # 15 % fewer: within the noise
    ("inbox_p95_ms", 8.0, 9.2),                     # 15 % slower
    ("verify_events_per_s", 100_000.0, 150_000.0),  # better
    ("inbox_p95_ms", 8.0, 2.0),                     # better
])
def test_a_15_percent_regression_or_an_improvement_is_not_printed(tmp_path, capsys, key, committed, now):
    status, out = _run_check(tmp_path, capsys, {key: _entry(key, now)}, {key: _entry(key, committed)})
    assert status == 0
    assert "REGRESSION" not in out
    assert "none more than 20% worse" in out


def test_every_key_has_a_direction():
    assert set(TARGETS) == set(SUMMARY_KEYS) and missing() == []
    assert {t.better for t in TARGETS.values()} <= {"higher", "lower"}


def test_figures_of_another_size_or_database_are_not_compared(tmp_path, capsys):
    """A quick run (1,000 cases) against a full run's million: said to be not comparable, never a regression."""
    status, out = _run_check(
        tmp_path, capsys,
        {"inbox_p95_ms": _entry("inbox_p95_ms", 80.0, n=1000), "sweep_ms": _entry("sweep_ms", 90.0, db="postgresql"),
         "replay_ms": {"value": 50.0, "n": 1, "db": "sqlite", "events": 41}},
        {"inbox_p95_ms": _entry("inbox_p95_ms", 7.0, n=1_000_000), "sweep_ms": _entry("sweep_ms", 2.0),
         "replay_ms": {"value": 4.0, "n": 1, "db": "sqlite", "events": 1001}})
    assert status == 0
    assert "REGRESSION" not in out
    line = next(ln for ln in out.splitlines() if "not comparable" in ln)
    assert "inbox_p95_ms" in line and "sweep_ms" in line and "replay_ms" in line


def test_a_null_committed_figure_is_passed_over_quietly(tmp_path, capsys):
    committed = {"search_p95_ms": {"value": None, "n": None, "db": None, "status": "not available", "reason": "no"}}
    status, out = _run_check(tmp_path, capsys, {"search_p95_ms": _entry("search_p95_ms", 999.0)}, committed)
    assert status == 0
    assert "REGRESSION" not in out and "no committed figure to compare with: search_p95_ms" in out


def test_an_incomplete_run_still_fails_and_still_gets_its_comparison(tmp_path, capsys):
    run = tmp_path / "run"
    _write_run(run, {"inbox_p95_ms": _entry("inbox_p95_ms", 20.0)})
    summary = json.loads((run / "summary.json").read_text())
    del summary["sweep_ms"]
    (run / "summary.json").write_text(json.dumps(summary))
    _write_baseline(tmp_path / "baseline.json", {"inbox_p95_ms": _entry("inbox_p95_ms", 10.0)})
    assert check.main([str(run), "--baseline", str(tmp_path / "baseline.json")]) == 1
    out = capsys.readouterr()
    assert "sweep_ms: missing" in out.err and "REGRESSION" in out.out and "100% worse" in out.out


def test_the_check_compares_with_the_committed_baseline_by_default(tmp_path, capsys):
    """Without --baseline: bench/baseline/summary.json, whose sizes a small run does not share."""
    _write_run(tmp_path / "run", {}, n=120)  # the smoke test's size
    assert check.main([str(tmp_path / "run")]) == 0
    out = capsys.readouterr().out
    assert "not comparable with the committed summary" in out and "REGRESSION" not in out
