"""Did a benchmark run produce every figure? What CI asserts after `make bench-quick` — never how fast.

`python -m bench.check DIR` reads DIR/summary.json (and replay_verify.json) and exits non-zero,
naming what is wrong, unless every stable key is there with a number, or with the reason it could
not be measured ("not available": a feature or tool is missing; "failed": the product refused the
measured request), the engine, replay and verify figures are always measured, and the generated
data passed `audit verify`.

It then compares DIR/summary.json with the committed baseline (bench/baseline/summary.json, or
`--baseline PATH`) and prints every figure more than 20 % worse than committed — measured at the same size
and on the same database only (bench.compare). That comparison never changes the exit status: figures on a
shared machine move with its load, and a quick run is not the full run's size.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from bench.common import SUMMARY_KEYS
from bench.compare import report
from bench.tables import BASELINE

ALWAYS_MEASURED = ("engine_vs_raw", "engine_vs_spiffworkflow", "engine_vs_naive_transitions", "replay_ms",
                   "verify_events_per_s")


def problems(out: Path) -> list[str]:
    """Everything missing or malformed in the results folder `out` (empty: the run is complete)."""
    try:
        summary = json.loads((out / "summary.json").read_text())
    except (OSError, ValueError) as err:
        return [f"{out / 'summary.json'}: {err}"]
    found = [f"{key}: missing from summary.json" for key in SUMMARY_KEYS if key not in summary]
    for key in SUMMARY_KEYS:
        entry = summary.get(key)
        if not isinstance(entry, dict):
            continue
        if not {"value", "n", "db"} <= set(entry):
            found.append(f"{key}: needs value, n and db, has {sorted(entry)}")
        elif entry["value"] is None:
            if entry.get("status") not in ("not available", "failed") or not entry.get("reason"):
                found.append(f"{key}: no figure and no reason")
            elif key in ALWAYS_MEASURED:
                found.append(f"{key}: always measured, but {entry['status']}: {entry['reason']}")
        elif not isinstance(entry["value"], (int, float)) or entry["db"] not in ("sqlite", "postgresql"):
            found.append(f"{key}: value {entry['value']!r} on db {entry['db']!r}")
    try:
        verify = json.loads((out / "replay_verify.json").read_text())["verify"]
        found += [f"audit verify failed on the generated data: {name}" for name, v in verify.items() if not v["ok"]]
    except (OSError, ValueError, KeyError) as err:
        found.append(f"replay_verify.json: {err}")
    return found


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    baseline = BASELINE
    if len(args) == 3 and args[1] == "--baseline":
        baseline = Path(args.pop(2))
        args.pop(1)
    if len(args) != 1:
        print("usage: python -m bench.check RESULTS_DIR [--baseline SUMMARY_JSON]", file=sys.stderr)
        return 2
    found = problems(Path(args[0]))
    for line in found:
        print(f"bench check: {line}", file=sys.stderr)
    if not found:
        print(f"bench check: every benchmark ran ({len(SUMMARY_KEYS)} figures in {args[0]})")
    for line in report(Path(args[0]), baseline):  # informational: never part of the exit status
        print(f"bench check: {line}")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
