"""`python -m bench.baseline DIR` — make a full run's figures the committed ones (bench/baseline/summary.json).

A run (`python -m bench`) writes its results folder (bench/results/ by default, gitignored) and never touches
the committed baseline: only this command does, on purpose, after a full run. It

- refuses a run that is not `--full` (a quick run's figures are not the page's; `--force` overrides),
- prints the run against the current baseline (bench.compare: what got more than 20 % worse),
- takes every figure the run measured (a number) with the run's record — command, commit, dates, load
  average at start and end, sizes, machine (DIR/run.json, written by `python -m bench`) — and keeps the
  committed figure, with its own run, for every key the run did not measure (a `--only` run updates its keys),
- rewrites BENCHMARKS.md's summary block from the result (bench.tables).

Then review and commit bench/baseline/summary.json and BENCHMARKS.md.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from bench import tables
from bench.common import SUMMARY_KEYS, Config, machine
from bench.compare import report


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def record_run(cfg: Config, preset: str, argv: list[str], started_at: str, load_at_start: list[float],
               failed: list[str]) -> Path:
    """DIR/run.json: what `python -m bench` ran, when, under what load and at what sizes (read by promote)."""
    doc = {"command": " ".join(["python -m bench", *argv]), "preset": preset, "started_at": started_at,
           "finished_at": now(), "load_average_start": load_at_start, "load_average_end": load_average(),
           "sizes": {"throughput_cases": cfg.throughput_cases, "dataset_sizes": list(cfg.dataset_sizes),
                     "replay_events": cfg.replay_events, "web_seconds": cfg.web_seconds,
                     "web_clients": cfg.web_clients, "sweep_open_cases": cfg.sweep_open_cases,
                     "merkle_cases": cfg.merkle_cases},
           "postgres": cfg.postgres, "failed": failed, "machine": machine()}
    target = cfg.path("run.json")
    target.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    return target


def run_entry(run: dict[str, Any], results: Path) -> tuple[str, dict[str, Any]]:
    """The baseline's record of one run, and its name."""
    mach = dict(run.get("machine") or {})
    commit = mach.pop("commit", "") or "unknown"
    mach.pop("load_average_1_5_15", None)
    # Commit and start (to the minute): two `--only` runs of one day each keep their own record.
    name = f"{run.get('preset', 'run')}-{commit}-{str(run.get('started_at', ''))[:16]}"
    return name, {"command": run.get("command", ""), "commit": commit,
                  "date": f"{run.get('started_at', '')}/{run.get('finished_at', '')}",
                  "load_average": f"{run.get('load_average_start')} at the start, {run.get('load_average_end')} at the end",
                  "sizes": run.get("sizes", {}), "machine": mach,
                  "record": f"results folder {results} (promoted by python -m bench.baseline on {now()[:10]})"}


def promote(results: Path, baseline: dict[str, Any], run: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The new baseline (the run's numbers over the committed ones) and the keys kept from before."""
    summary = json.loads((results / "summary.json").read_text())
    name, entry = run_entry(run, results)
    figures, kept = {}, []
    for key in SUMMARY_KEYS:
        measured = summary.get(key)
        if isinstance(measured, dict) and isinstance(measured.get("value"), (int, float)):
            figures[key] = {**measured, "run": name}
        else:
            figures[key] = baseline["figures"].get(key) or {
                "value": None, "n": None, "db": None, "status": "not available", "reason": "never measured", "run": None}
            kept.append(key)
    used = {f.get("run") for f in figures.values()}
    runs = {n: r for n, r in baseline.get("runs", {}).items() if n in used and n != name}
    if name in used:
        runs[name] = entry
    return {**baseline, "runs": runs, "figures": figures}, kept


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.baseline", description=__doc__.splitlines()[0])
    parser.add_argument("results", help="the results folder of a full run (e.g. bench/results)")
    parser.add_argument("--force", action="store_true", help="promote a run that is not --full")
    parser.add_argument("--baseline", default=str(tables.BASELINE))
    parser.add_argument("--page", default=str(tables.BENCHMARKS), help="the page whose summary block is rewritten")
    args = parser.parse_args(argv)
    results, path = Path(args.results), Path(args.baseline)
    try:
        run = json.loads((results / "run.json").read_text())
        json.loads((results / "summary.json").read_text())
    except (OSError, ValueError) as err:
        print(f"bench baseline: {results} is not a results folder of `python -m bench` ({err})", file=sys.stderr)
        return 2
    if run.get("preset") != "full" and not args.force:
        print(f"bench baseline: {results} holds a {run.get('preset')} run, not a full one: its sizes are not the "
              "committed figures' (--force to promote it anyway)", file=sys.stderr)
        return 2
    for line in report(results, path):
        print(f"bench baseline: {line}")
    new, kept = promote(results, tables.load(path), run)
    path.write_text(json.dumps(new, indent=2, ensure_ascii=False) + "\n")
    tables.update(Path(args.page), path)
    if kept:
        print(f"bench baseline: not measured in this run, committed figures kept: {', '.join(kept)}")
    print(f"bench baseline: wrote {path} and the summary block of {args.page}: review and commit both")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
