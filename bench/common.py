"""Shared plumbing of the benchmarks: run configuration, timing, result files and the summary.

Every benchmark writes `<out>/<name>.json` (its full figures plus the machine it ran on) and
puts its headline figure into `<out>/summary.json` under a stable key, as
`{"value": number, "n": cases, "db": "sqlite"|"postgresql"}`. A figure that cannot be measured
(the feature has not landed, a tool is missing) is recorded with `"value": null` and the reason,
never as a made-up number.
"""
from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFINITIONS = REPO / "definitions"
DEFAULT_OUT = Path(__file__).resolve().parent / "results"

SUMMARY_KEYS = (
    "engine_vs_raw", "engine_vs_spiffworkflow", "engine_vs_naive_transitions", "inbox_p95_ms", "sweep_ms",
    "replay_ms", "verify_events_per_s", "dashboard_asof_ms", "web_vs_bare_flask", "server_rss_mb",
    "ledger_import_rows_per_s", "checkpoint_s", "merkle_verify_entries_per_s", "checkpoint_incremental_s",
    "verify_with_merkle_events_per_s", "search_p95_ms",
)


@dataclass
class Config:
    """One benchmark run: where results go, how big, which databases."""

    out: Path = DEFAULT_OUT
    quick: bool = True
    seed: int = 20260302
    postgres: bool = True
    dashboard: bool = True  # the read-side benchmark's battle map part (off: inbox figures only)
    work: Path = field(default_factory=lambda: DEFAULT_OUT.parent / ".work")
    # Sizes; quick runs use the small ones (see bench/__main__.py for the presets).
    throughput_cases: int = 200           # cases driven through their lifecycle per variant
    dataset_sizes: tuple[int, ...] = (2000,)  # generated databases for inbox/sweep/dashboard/verify
    replay_events: int = 1000
    web_seconds: int = 5
    web_clients: int = 50
    sweep_cases: int = 2000
    # The sweep's own dataset with this many open cases (0: it sweeps the datasets above); it replaces
    # the larger of those for the sweep (`bench.datasets.sqlite_open_dataset`).
    sweep_open_cases: int = 0
    # The Merkle log's own dataset (bench.merkle_log; 0: it measures the datasets above).
    merkle_cases: int = 0

    def path(self, name: str) -> Path:
        self.out.mkdir(parents=True, exist_ok=True)
        return self.out / name


# ---- results -------------------------------------------------------------------------------
def machine() -> dict[str, Any]:
    """What the figures were measured on (CPU, memory, versions)."""
    import sqlite3

    import sqlalchemy

    info: dict[str, Any] = {
        "cpu": _cpu_model(), "cores": os.cpu_count(), "memory_gb": round(_mem_kb() / 1024 / 1024, 1),
        "os": platform.platform(), "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sqlalchemy.__version__,
        "commit": _git("rev-parse", "--short", "HEAD") or os.environ.get("BENCH_SOURCE", ""),
        # Other work on the machine inflates wall-clock figures; the CPU-time figures are the steadier ones.
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
    }
    for dist in ("transitions", "SpiffWorkflow", "psycopg", "Flask", "waitress", "pyinstrument"):
        info[dist] = _dist_version(dist)
    return info


def write_result(cfg: Config, name: str, data: dict[str, Any]) -> Path:
    target = cfg.path(f"{name}.json")
    doc = {"benchmark": name, "quick": cfg.quick, "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
           "machine": machine(), **data}
    target.write_text(json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n")
    return target


def put_summary(cfg: Config, key: str, value: float | None, n: int | None, db: str | None, **extra: Any) -> None:
    """Record one headline figure under its stable key (read-modify-write of summary.json)."""
    if key not in SUMMARY_KEYS:
        raise KeyError(f"unknown summary key {key!r}")
    path = cfg.path("summary.json")
    summary = json.loads(path.read_text()) if path.exists() else {}
    entry: dict[str, Any] = {"value": None if value is None else round(float(value), 3), "n": n, "db": db}
    entry.update(extra)
    summary[key] = entry
    path.write_text(json.dumps(dict(sorted(summary.items())), indent=2, ensure_ascii=False) + "\n")


def not_available(cfg: Config, key: str, reason: str, db: str | None = None) -> None:
    print(f"  {key}: not available — {reason}")
    put_summary(cfg, key, None, None, db, status="not available", reason=reason)


# ---- timing --------------------------------------------------------------------------------
class Stopwatch:
    def __init__(self) -> None:
        self.start = time.perf_counter()

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.start


def percentiles_ms(samples_s: list[float]) -> dict[str, float]:
    """p50/p95/p99/max of durations given in seconds, in milliseconds."""
    if not samples_s:
        return {}
    ordered = sorted(samples_s)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000

    return {"p50": round(pick(0.50), 3), "p95": round(pick(0.95), 3), "p99": round(pick(0.99), 3),
            "max": round(ordered[-1] * 1000, 3), "mean": round(statistics.fmean(ordered) * 1000, 3),
            "samples": len(ordered)}


def time_calls(fn: Callable[[], Any], *, repeat: int, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def timed(fn: Callable[[], Any], *, repeat: int, warmup: int = 3) -> dict[str, float]:
    """percentiles_ms of the wall clock per call, plus this process's mean CPU ms per call.

    On a shared machine the wall clock also counts other processes' turns on the CPU; the CPU
    figure does not (but it misses a separate database server's work).
    """
    for _ in range(warmup):
        fn()
    samples, cpu = [], time.process_time()
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    figures = percentiles_ms(samples)
    figures["cpu_mean"] = round((time.process_time() - cpu) * 1000 / repeat, 3)
    return figures


def peak_rss_mb(pid: int | None = None) -> float:
    """VmHWM (peak resident set) of a process, in MB."""
    status = Path(f"/proc/{pid or 'self'}/status").read_text()
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def banner(title: str) -> None:
    print(f"\n== {title} ==", flush=True)


def log(msg: str) -> None:
    print(f"  {msg}", flush=True)


# ---- helpers -------------------------------------------------------------------------------
def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def fresh_file(path: Path) -> Path:
    """Remove a database file and its WAL/SHM companions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return path


def iter_chunks(items: Iterator[Any] | list[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_kb() -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _dist_version(name: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def python() -> str:
    return sys.executable
