"""The escalation sweep with 0 %, 1 % and 10 % of the open cases due, and the scheduler's peak memory.

The sweep is the real one (`app.escalations.sweeper(...)`, what
`rectiflow escalate` and the scheduler run) on a private copy of a generated dataset (it writes
escalation events). "x % due" picks the sweep instant so that x % of the open cases have their
next rung due (the x-quantile of `cases.next_escalation_at`); sweeps run in the order 0 %, 1 %,
10 %, so the 10 % sweep finds the 1 % already fired. Rows read = candidate ids the due-index
handed out. Memory: peak RSS of a `rectiflow escalate` process on the dataset.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.common import Config, Stopwatch, banner, log, not_available, put_summary, sqlite_url, write_result

FRACTIONS = (0.0, 0.01, 0.10)


def missing() -> str | None:
    try:
        import workflow.escalation.sweep  # noqa: F401
    except ImportError as err:
        return f"the escalation sweep (workflow.escalation.sweep) is missing: {err}"
    return None


def instants(engine: Any) -> tuple[int, dict[float, str]]:
    """(open cases, the sweep instant for each fraction due)."""
    from sqlalchemy import text

    with engine.connect() as conn:
        open_cases = conn.execute(text("SELECT count(*) FROM cases WHERE stage <> 'closed'")).scalar_one()
        due = [r[0] for r in conn.execute(text(
            "SELECT next_escalation_at FROM cases WHERE next_escalation_at IS NOT NULL ORDER BY next_escalation_at"))]
    out: dict[float, str] = {}
    for f in FRACTIONS:
        k = int(f * open_cases)
        if k == 0 or not due:
            out[f] = "2000-01-01T00:00:00.000000Z"
        else:
            out[f] = due[min(k, len(due)) - 1]
    return int(open_cases), out


def sweep_once(app: Any, now: str) -> dict[str, Any]:
    from workflow.adapters.sql.sqltx import SqlTx
    from workflow.events import parse_time

    app.clock.set(parse_time(now))
    esc = app.escalations
    sweeper = esc.sweeper(fired_by="system:bench")
    read = [0]
    original = SqlTx.due_case_ids

    def counting(tx: SqlTx, now_text: str, limit: int, exclude: Any) -> list[str]:
        ids = original(tx, now_text, limit, exclude)
        read[0] += len(ids)
        return ids

    SqlTx.due_case_ids = counting  # type: ignore[method-assign]
    try:
        watch = Stopwatch()
        result = sweeper.sweep()
        seconds = watch.seconds
    finally:
        SqlTx.due_case_ids = original  # type: ignore[method-assign]
    return {"now": now, "ms": round(seconds * 1000, 2), "fired": len(result.fired), "rows_read": read[0],
            "passed_over": len(result.passed_over)}


# The process reports its own VmHWM at exit. Not wait4's ru_maxrss: a child started by fork/vfork +
# exec keeps the high-water mark of the address space it replaced — this (large) benchmark process's.
_REPORT_PEAK = """
import atexit, os, sys
def _peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            open(os.environ["RECTIFLOW_BENCH_PEAK_FILE"], "w").write(line.split()[1])
atexit.register(_peak)
sys.argv = ["rectiflow", *sys.argv[1:]]
from rectiflow.cli import main
main()
"""


def scheduler_rss_mb(url: str, now: str, instance: Path) -> float | None:
    """Peak RSS (MB) of a `rectiflow escalate` process on the database (nothing due at `now`)."""
    peak_file = instance / "escalate.peak"
    env = {**os.environ, "RECTIFLOW_DATABASE_URL": url, "RECTIFLOW_INSTANCE": str(instance),
           "RECTIFLOW_BENCH_PEAK_FILE": str(peak_file)}
    log_file = instance / "escalate.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    peak_file.unlink(missing_ok=True)
    with log_file.open("wb") as sink:  # a file, not a pipe: nothing can block on a full pipe
        proc = subprocess.run([sys.executable, "-c", _REPORT_PEAK, "escalate", "--now", now, "--json"], env=env,
                              stdout=sink, stderr=subprocess.STDOUT)
    if proc.returncode != 0 or not peak_file.exists():
        log(f"rectiflow escalate failed: {log_file.read_text(errors='replace')[-300:]}")
        return None
    return round(int(peak_file.read_text()) / 1024, 1)


def run(cfg: Config, datasets: list[tuple[int, str, str, dict[str, Any]]]) -> dict[str, Any]:
    from bench.generate import make_app

    banner("escalation sweep (0 %, 1 %, 10 % of open cases due)")
    reason = missing()
    if reason:
        not_available(cfg, "sweep_ms", reason)
        write_result(cfg, "sweep", {"status": "not available", "reason": reason})
        return {}
    results: dict[str, Any] = {}
    for n, db, url, _info in datasets:
        if db == "sqlite":  # the sweep writes: work on a copy of the cached dataset
            src = Path(url.split("///", 1)[1])
            copy = cfg.work / "sweep" / f"sweep-{n}.db"
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, copy)
            url = sqlite_url(copy)
        app = make_app(url, cfg.work / "sweep-instance")
        try:
            open_cases, nows = instants(app.store.engine)
            rss = scheduler_rss_mb(url, nows[0.0], cfg.work / "sweep-instance")
            runs = {f"{int(f * 100)}%": sweep_once(app, nows[f]) for f in FRACTIONS}
        finally:
            app.close()
        results[f"{db}-{n}"] = {"cases": n, "open_cases": open_cases, "sweeps": runs, "scheduler_rss_mb": rss}
        for label, r in runs.items():
            log(f"{db} {n:,} cases ({open_cases:,} open), {label:>3} due: {r['ms']:>9,.1f} ms, "
                f"{r['fired']:,} rungs fired, {r['rows_read']:,} rows read")
        log(f"{db} {n:,} cases: scheduler (`rectiflow escalate`) peak RSS {rss} MB")
    biggest = max(v["cases"] for v in results.values())
    top = results.get(f"sqlite-{biggest}")
    if top:
        put_summary(cfg, "sweep_ms", top["sweeps"]["0%"]["ms"], biggest, "sqlite",
                    open_cases=top["open_cases"], due_1pct_ms=top["sweeps"]["1%"]["ms"],
                    due_10pct_ms=top["sweeps"]["10%"]["ms"], scheduler_rss_mb=top["scheduler_rss_mb"],
                    postgresql_0pct_ms=results.get(f"postgresql-{biggest}", {}).get("sweeps", {}).get("0%", {}).get("ms"))
    write_result(cfg, "sweep", results)
    return results
