"""What each headline figure aims at, and which way is better — one place for the table, the check and the baseline.

The targets are issue 17's ("Targets"), and BENCHMARKS.md's where the issue sets none (the sweep with nothing
due, keyword search). A figure without a target still has a direction, so `bench.check` can say when it got
worse. `at_n` is the size (cases) a target is set at: a figure measured on fewer cases is not judged against it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.common import SUMMARY_KEYS


@dataclass(frozen=True)
class Target:
    better: str            # "higher" or "lower"
    unit: str
    what: str
    goal: float | None = None   # None: no target, the figure is context
    at_n: int | None = None     # the target's size in cases (None: any)
    db: str | None = None       # a detail figure's database, where it is not its key's

    @property
    def op(self) -> str:
        return ">=" if self.better == "higher" else "<="

    def met(self, value: float) -> bool:
        assert self.goal is not None
        return value >= self.goal if self.better == "higher" else value <= self.goal


TARGETS: dict[str, Target] = {
    "engine_vs_raw": Target("higher", "×", "engine transitions/s ÷ raw sqlite3 (WAL + NORMAL, shipped)", 0.4),
    "engine_vs_spiffworkflow": Target("higher", "×", "engine ÷ SpiffWorkflow (same pragmas)", 3.0),
    "engine_vs_naive_transitions": Target("higher", "×", "engine ÷ naive transitions + SQLAlchemy ORM", 1.5),
    "inbox_p95_ms": Target("lower", "ms", "inbox query p95, worst role and worse database (first page + every "
                                          "tab's count)", 10.0, 1_000_000),
    "sweep_ms": Target("lower", "ms", "escalation sweep with 0 % due, a million open cases", 20.0, 1_000_000),
    "replay_ms": Target("lower", "ms", "replay of a 1,000-event case as of its middle (p50)", 5.0),
    "verify_events_per_s": Target("higher", "events/s", "`audit verify` throughput (2 processes)", 100_000.0),
    "dashboard_asof_ms": Target("lower", "ms", "battle map page as of a past date (p50)", 500.0, 1_000_000),
    "web_vs_bare_flask": Target("higher", "×", "inbox page req/s ÷ bare Flask route req/s (50 clients)", 0.25),
    "server_rss_mb": Target("lower", "MB", "peak RSS of `rectiflow serve` after the load, per worker", 150.0),
    "ledger_import_rows_per_s": Target("higher", "rows/s", "a 问题台账 (.xlsx) read, checked and imported "
                                                          "in one unit of work"),
    "checkpoint_s": Target("lower", "s", "`audit checkpoint`, cold, at ~1M log entries"),
    "merkle_verify_entries_per_s": Target("higher", "entries/s", "`audit verify`'s Merkle check alone"),
    "checkpoint_incremental_s": Target("lower", "s", "checkpoint after 1 % more events"),
    "verify_with_merkle_events_per_s": Target("higher", "events/s", "`audit verify` with the Merkle check, "
                                                                    "~1M events", 100_000.0, 140_000),
    "search_p95_ms": Target("lower", "ms", "inbox request with `?q=`, worst (user, words) and worse database",
                            50.0, 100_000),
}

# Figures kept in a key's details that have a target of their own: (key, detail) -> target.
DETAILS: dict[tuple[str, str], Target] = {
    ("sweep_ms", "due_1pct_ms"): Target("lower", "ms", "sweep with 1 % due, a million open cases, SQLite",
                                        5_000.0, 1_000_000),
    ("sweep_ms", "postgresql_1pct_ms"): Target("lower", "ms", "sweep with 1 % due, a million open cases, "
                                                              "PostgreSQL", 10_000.0, 1_000_000, "postgresql"),
    ("web_vs_bare_flask", "inbox_p95_ms"): Target("lower", "ms", "inbox page p95 at 50 clients", 150.0),
}



def missing() -> list[str]:
    """Summary keys without a target and direction (tests/bench/test_regressions.py wants none)."""
    return [key for key in SUMMARY_KEYS if key not in TARGETS]


def verdict(target: Target, value: float | None, n: int | None, entry: dict[str, Any] | None = None) -> str:
    """met / missed / — (no target) / not at the target's size / the reason a figure is missing."""
    if value is None:
        return str((entry or {}).get("status") or "not measured")
    if target.goal is None:
        return "—"
    if target.at_n is not None and (n or 0) < target.at_n:
        return f"not judged: measured at {n or 0:,}, target at {target.at_n:,}"
    return "met" if target.met(value) else "missed"


def change(target: Target, before: float, now: float) -> float:
    """How much worse `now` is than `before`, as a fraction (negative: better)."""
    if before == 0:
        return 0.0
    worse = (before - now) if target.better == "higher" else (now - before)
    return worse / abs(before)
