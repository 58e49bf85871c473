"""Ledger import: a filled 问题台账 (.xlsx) of N rows read, checked and imported in one unit of work.

Two sizes (quick: 2,500 and 5,000 rows) on a fresh SQLite database each: rows/s of the whole
`ledger.run` (reading the workbook, checking every row, opening each case and walking a third of them
to 整改中 and a sixth to 已销号 through the engine's steps), and the process's resident memory before
the import and its peak (ru_maxrss; tracemalloc slowed the import threefold) — the figures show whether the import is linear in rows. The result is bench/results/ledger_import.json
and the `ledger_import_rows_per_s` summary figure (the larger size).
"""
from __future__ import annotations

import io
import resource
import time
from datetime import UTC, datetime
from typing import Any

from bench.common import DEFINITIONS, Config, banner, fresh_file, log, put_summary, sqlite_url, write_result

CATEGORIES = ("减假暂/社区矫正", "司法鉴定", "其他顽瘴痼疾", "法律服务执业不规范")
UNITS = ("城区司法所", "xf-sfs-2", "社区矫正管理科")


def sizes(cfg: Config) -> tuple[int, ...]:
    return (2500, 5000) if not cfg.quick or cfg.throughput_cases > 6 else (100, 200)


def ledger_rows(n: int) -> list[dict[str, Any]]:
    rows = []
    for i in range(n):
        row: dict[str, Any] = {"问题编号": f"XF-{i:06d}", "问题描述": f"第{i}号问题：审批材料不全，需逐案补正。",
                               "问题类别": CATEGORIES[i % 4], "发现渠道": "自查", "责任单位": UNITS[i % 3]}
        if i % 3 == 1:  # 整改中: opened, verified, dispatched to a handler
            row.update({"责任人": "handler" if i % 2 else "承办人 李强", "整改措施": "逐案补正", "整改时限": "2026-06-30",
                        "责任单位": "城区司法所", "状态": "整改中"})
        elif i % 6 == 2:  # 已销号 with its dates: five recorded steps
            row.update({"责任人": "handler", "整改措施": "逐案补正", "整改时限": "2026-02-01", "整改结果": "已补正",
                        "责任单位": "城区司法所", "状态": "已销号", "整改完成日期": "2026-01-20", "销号日期": "2026-02-10"})
        rows.append(row)
    return rows


def workbook(app: Any, rows: list[dict[str, Any]]) -> bytes:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(app.ledger.template()))
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def measure(cfg: Config, n: int) -> dict[str, Any]:
    from rectiflow.demo import seed_directory
    from workflow.adapters.sql.sqlstore import upgrade_database
    from workflow.bootstrap import build
    from workflow.clock import FixedClock
    from workflow.config import Settings

    db = fresh_file(cfg.work / f"ledger-{n}.db")
    upgrade_database(sqlite_url(db))
    app = build(Settings(database_url=sqlite_url(db), definitions_dir=DEFINITIONS, instance_dir=cfg.work / "ledger"),
                clock=FixedClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC)))
    try:
        seed_directory(app)
        data = workbook(app, ledger_rows(n))
        rss_before = _rss_mb()
        started = time.perf_counter()
        report = app.ledger.run(data, f"ledger-{n}.xlsx", actor="registrar")
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
        assert report.ok and len(report.imported) == n, report.errors[:3]
        with app.store.read() as tx:
            events = sum(1 for _ in tx.iter_events())
    finally:
        app.close()
    return {"rows": n, "bytes": len(data), "seconds": round(seconds, 3), "rows_per_s": round(n / seconds, 1),
            "events": events, "rss_before_mb": round(rss_before, 1), "peak_rss_mb": round(peak, 1), "ms_per_row": round(1000 * seconds / n, 3)}


def run(cfg: Config) -> None:
    banner("ledger import (xlsx → checked → imported in one unit of work, SQLite)")
    results = []
    for n in sizes(cfg):
        result = measure(cfg, n)
        log(f"{n:>6} rows: {result['seconds']:.2f} s, {result['rows_per_s']:.0f} rows/s, {result['events']} events, "
            f"{result['ms_per_row']:.2f} ms/row, RSS {result['rss_before_mb']} MB before, peak {result['peak_rss_mb']} MB")
        results.append(result)
    small, large = results[0], results[-1]
    linear = round((large["seconds"] / small["seconds"]) / (large["rows"] / small["rows"]), 2)
    log(f"time ratio / size ratio: {linear} (1.0 = linear)")
    write_result(cfg, "ledger_import", {"sizes": results, "time_ratio_over_size_ratio": linear})
    put_summary(cfg, "ledger_import_rows_per_s", large["rows_per_s"], large["rows"], "sqlite",
                peak_rss_mb=large["peak_rss_mb"], linearity=linear)


def _rss_mb() -> float:
    """The process's resident memory now (Linux /proc), in MB."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize() / 2**20
