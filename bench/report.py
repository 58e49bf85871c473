"""`python -m bench.report [results dir]` — the summary as a Markdown table against the issue's targets.

Used to write BENCHMARKS.md from bench/results/summary.json (figures are pasted, not retyped).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from bench.common import DEFAULT_OUT, SUMMARY_KEYS

# key -> (comparison, target, unit, what it is)
TARGETS: dict[str, tuple[str, float, str, str]] = {
    "engine_vs_raw": (">=", 0.4, "×", "engine transitions/s ÷ raw sqlite3 (WAL + NORMAL, shipped)"),
    "engine_vs_spiffworkflow": (">=", 3.0, "×", "engine ÷ SpiffWorkflow (same pragmas)"),
    "engine_vs_naive_transitions": (">=", 1.5, "×", "engine ÷ naive transitions + SQLAlchemy ORM"),
    "inbox_p95_ms": ("<=", 20.0, "ms", "inbox p95, worst role (first page + every tab's count)"),
    "sweep_ms": ("<=", 20.0, "ms", "escalation sweep with 0 % due"),
    "replay_ms": ("<=", 20.0, "ms", "replay of a 1,000-event case as of its middle (p50)"),
    "verify_events_per_s": (">=", 100_000.0, "events/s", "`audit verify` throughput"),
    "dashboard_asof_ms": ("<=", 2000.0, "ms", "battle map as of a past date (p50)"),
    "web_vs_bare_flask": (">=", 0.4, "×", "inbox page req/s ÷ bare Flask route req/s (50 clients)"),
    "server_rss_mb": ("<=", 150.0, "MB", "peak RSS of `rectiflow serve` after the load"),
}


def verdict(key: str, entry: dict[str, Any]) -> str:
    value = entry.get("value")
    if value is None:
        return entry.get("status", "—")
    op, target, _unit, _what = TARGETS[key]
    ok = value >= target if op == ">=" else value <= target
    return "met" if ok else "missed"


def table(summary: dict[str, Any]) -> str:
    lines = ["| key | figure | target | n (cases) | db | verdict |", "|---|---|---|---|---|---|"]
    for key in SUMMARY_KEYS:
        entry = summary.get(key, {})
        op, target, unit, what = TARGETS[key]
        value = entry.get("value")
        shown = "—" if value is None else f"{value:,.3f}".rstrip("0").rstrip(".") + f" {unit}"
        lines.append(f"| `{key}` — {what} | {shown} | {op} {target:,g} {unit} | {entry.get('n') or '—'} | "
                     f"{entry.get('db') or '—'} | {verdict(key, entry)} |")
    return "\n".join(lines)


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT
    print(table(json.loads((out / "summary.json").read_text())))


if __name__ == "__main__":
    main()
