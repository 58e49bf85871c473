"""A run's figures against the committed baseline: which got more than 20 % worse (printed, never failing).

Only like with like is compared: a figure measured at another size (`n`, and `events` where both have it,
within 5 %) or on another database than the committed one is set aside as not comparable — a quick run's 1,000 cases say nothing about the full run's
million. A committed figure that is null (never measured) and a run's figure that is null (bench.check
reports those) are skipped. Direction comes from bench.targets: for a throughput "worse" is lower, for a
time or a size higher.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import SUMMARY_KEYS
from bench.targets import TARGETS, change

THRESHOLD = 0.20  # more than this fraction worse is reported


@dataclass(frozen=True)
class Comparison:
    regressed: list[str]       # one line per figure more than THRESHOLD worse
    compared: list[str]        # keys compared (same n and db)
    not_comparable: list[str]  # keys measured at another n or db than the committed figure
    no_baseline: list[str]     # keys the baseline has no figure for


def baseline_figures(path: Path) -> dict[str, Any]:
    """The committed figures: the baseline's `figures` (a plain run summary is accepted too)."""
    doc = json.loads(path.read_text())
    return doc["figures"] if isinstance(doc.get("figures"), dict) else doc


def compare(run: dict[str, Any], committed: dict[str, Any], threshold: float = THRESHOLD) -> Comparison:
    regressed: list[str] = []
    compared: list[str] = []
    not_comparable: list[str] = []
    no_baseline: list[str] = []
    for key in SUMMARY_KEYS:
        now, before = run.get(key), committed.get(key)
        if key not in TARGETS or not isinstance(now, dict) or not isinstance(now.get("value"), (int, float)):
            continue  # no direction known (bench.targets.missing), or nothing measured
        if not isinstance(before, dict) or not isinstance(before.get("value"), (int, float)):
            no_baseline.append(key)
            continue
        if not _same_size(now, before):
            not_comparable.append(key)
            continue
        compared.append(key)
        target = TARGETS[key]
        worse = change(target, float(before["value"]), float(now["value"]))
        if worse > threshold:
            regressed.append(f"{key}: {now['value']:g} {target.unit} against {before['value']:g} committed "
                             f"({worse:.0%} worse; {target.better} is better; n={now.get('n')}, db={now.get('db')})")
    return Comparison(regressed, compared, not_comparable, no_baseline)


def _same_size(now: dict[str, Any], before: dict[str, Any]) -> bool:
    """Same cases and database, and about the same events where both say (a replayed case's length)."""
    if (now.get("n"), now.get("db")) != (before.get("n"), before.get("db")):
        return False
    events_now, events_before = now.get("events"), before.get("events")
    if isinstance(events_now, int) and isinstance(events_before, int) and events_before:
        return abs(events_now - events_before) <= 0.05 * events_before
    return True


def report(run_dir: Path, baseline: Path) -> list[str]:
    """The lines bench.check prints about `run_dir` against the committed baseline (informational only)."""
    try:
        run = json.loads((run_dir / "summary.json").read_text())
        committed = baseline_figures(baseline)
    except (OSError, ValueError, KeyError) as err:
        return [f"not compared with the committed summary ({err})"]
    result = compare(run, committed)
    lines = [f"REGRESSION (more than {THRESHOLD:.0%} worse than committed) {line}" for line in result.regressed]
    if result.compared and not result.regressed:
        lines.append(f"{len(result.compared)} figure(s) compared with the committed summary: "
                     f"none more than {THRESHOLD:.0%} worse")
    if result.not_comparable:
        lines.append(f"not comparable with the committed summary (measured at another size or database; "
                     f"a full run compares like with like): {', '.join(result.not_comparable)}")
    if result.no_baseline:
        lines.append(f"no committed figure to compare with: {', '.join(result.no_baseline)}")
    return lines
