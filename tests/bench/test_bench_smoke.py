"""Smoke test of the benchmark harness (what `make bench-quick` runs), at the smallest N.

It asserts that every benchmark ran and wrote its files and that summary.json holds every stable
key — with a number, or with the reason it could not be measured. It never asserts how fast.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench import check, tables

REPO = Path(__file__).resolve().parents[2]
KEYS = ("engine_vs_raw", "engine_vs_spiffworkflow", "engine_vs_naive_transitions", "inbox_p95_ms", "sweep_ms",
        "replay_ms", "verify_events_per_s", "dashboard_asof_ms", "web_vs_bare_flask", "server_rss_mb")


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench-results")
    work = tmp_path_factory.mktemp("bench-work")
    # PostgreSQL is exercised by the quick and full runs; the smoke test keeps to SQLite to stay short.
    cmd = [sys.executable, "-m", "bench", "--tiny", "--no-postgres", "--out", str(out), "--work", str(work)]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=900,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})
    return done, out


def test_every_benchmark_ran_without_failing(tiny_run):
    done, _out = tiny_run
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def test_summary_has_every_stable_key_with_a_figure_or_a_reason(tiny_run):
    _done, out = tiny_run
    summary = json.loads((out / "summary.json").read_text())
    assert set(KEYS) <= set(summary)
    # bench.check is what CI runs after `make bench-quick`: same rule, one place.
    assert check.problems(out) == []


def test_the_check_names_what_a_broken_run_lacks(tiny_run, tmp_path):
    _done, out = tiny_run
    summary = json.loads((out / "summary.json").read_text())
    del summary["sweep_ms"]
    summary["replay_ms"] = {"value": None, "n": None, "db": None, "status": "failed", "reason": "boom"}
    summary["inbox_p95_ms"] = {"value": None, "n": None, "db": None}
    (tmp_path / "summary.json").write_text(json.dumps(summary))
    (tmp_path / "replay_verify.json").write_text(json.dumps({"verify": {"x": {"ok": False}}}))
    found = check.problems(tmp_path)
    assert any(p.startswith("sweep_ms: missing") for p in found), found
    assert any(p.startswith("replay_ms: always measured") for p in found), found
    assert any(p.startswith("inbox_p95_ms: no figure and no reason") for p in found), found
    assert any("audit verify failed" in p for p in found), found
    assert check.main([str(tmp_path)]) == 1 and check.main([str(out)]) == 0


def test_engine_replay_and_verify_figures_are_always_measured(tiny_run):
    _done, out = tiny_run
    summary = json.loads((out / "summary.json").read_text())
    for key in ("engine_vs_raw", "engine_vs_spiffworkflow", "engine_vs_naive_transitions", "replay_ms",
                "verify_events_per_s"):
        assert summary[key]["value"] is not None, (key, summary[key])
    verify = json.loads((out / "replay_verify.json").read_text())["verify"]
    assert all(v["ok"] for v in verify.values()), verify  # generated data passes `audit verify`


def test_each_benchmark_wrote_its_result_file(tiny_run):
    _done, out = tiny_run
    for name in ("engine_throughput", "replay_verify", "readside", "sweep", "profiles"):
        doc = json.loads((out / f"{name}.json").read_text())
        assert doc["benchmark"] == name and doc["machine"]["cores"], name


COMMITTED_AT_START = tables.BASELINE.read_bytes()


def test_the_run_records_how_it_ran_and_leaves_the_committed_figures_alone(tiny_run, capsys):
    _done, out = tiny_run
    run = json.loads((out / "run.json").read_text())
    assert run["preset"] == "tiny" and run["failed"] == [] and "--tiny" in run["command"]
    assert run["sizes"]["dataset_sizes"] == [120] and len(run["load_average_start"]) == 3
    assert run["machine"]["cores"]
    assert tables.BASELINE.read_bytes() == COMMITTED_AT_START  # only `python -m bench.baseline` writes it
    # CI's bench.check after the run: a tiny run is not the committed full run's size — said, never failed on.
    assert check.main([str(out)]) == 0
    printed = capsys.readouterr().out
    assert "not comparable with the committed summary" in printed
