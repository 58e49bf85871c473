"""Replay of a 1,000-event case as of a middle instant, and `audit verify` throughput (events/s).

The long case is written through the engine (a rectification item that goes back and forth
between rectifying and extension requests, with comments in between), then read back with
`CaseService.history(case, as_of=…)` — the query plus the fold — many times. `audit verify` runs
exactly what `rectiflow audit verify` runs (stream every event and case row, recompute every
hash, replay every case, compare; ranges of cases in one process per CPU) over the largest
generated database, and again in one process.
"""
from __future__ import annotations

import resource
from typing import Any

from bench.common import (
    Config,
    Stopwatch,
    banner,
    fresh_file,
    log,
    put_summary,
    sqlite_url,
    timed,
    write_result,
)
from bench.peers.workload import BASE_FIELDS, EVIDENCE


def long_case(app: Any, events: int) -> tuple[str, Any]:
    """A case with `events` events; returns its id and the instant of its middle event."""
    from workflow.cases.validation import Attachment

    s, clock = app.cases, app.clock
    case = s.open_case("rectification_item", actor="registrar", unit="xf-sfs-1", title="长周期整改事项", fields=BASE_FIELDS)
    s.advance(case.id, "verify", actor="supervisor")
    s.advance(case.id, "dispatch", actor="supervisor",
              fields={"measure": "分阶段整改", "owner": "handler", "rectify_by": "2026-12-31"})
    n, middle = 3, None
    while n < events:
        clock.advance(hours=1)
        if n + 1 >= events // 2 and middle is None:
            middle = clock.now()
        s.add_comment(case.id, actor="handler", text=f"第{n}次进展报告：按计划推进。")
        n += 1
    if middle is None:
        middle = clock.now()
    clock.advance(hours=1)
    s.advance(case.id, "report_rectified", actor="handler", attachments=[Attachment("evidence", "e.txt", EVIDENCE)],
              fields={"result": "完成"})
    s.advance(case.id, "sign_off", actor="unit_head")
    return case.id, middle


def replay(cfg: Config) -> dict[str, Any]:
    from bench.engine_throughput import RectiflowVariant

    work = cfg.work / "replay"
    variant = RectiflowVariant(sqlite_url(fresh_file(work / "replay.db")), "NORMAL", work / "instance")
    try:
        case_id, middle = long_case(variant.app, cfg.replay_events)
        service = variant.app.cases
        events, state = service.history(case_id, as_of=middle)
        full, _ = service.history(case_id)
        samples = timed(lambda: service.history(case_id, as_of=middle), repeat=30 if cfg.quick else 100)
        fold = timed(lambda: _fold(full), repeat=30 if cfg.quick else 100)
    finally:
        variant.close()
    figures = {"events_in_case": len(full), "events_replayed": len(events), "as_of": str(middle),
               "state_as_of": state.state if state else None, "history_as_of_ms": samples,
               "fold_only_full_case_ms": fold}
    log(f"replay of a {len(full)}-event case as of its middle ({len(events)} events): "
        f"p50 {figures['history_as_of_ms']['p50']} ms, p95 {figures['history_as_of_ms']['p95']} ms, "
        f"CPU {figures['history_as_of_ms']['cpu_mean']} ms "
        f"(fold alone, all {len(full)}: p50 {figures['fold_only_full_case_ms']['p50']} ms)")
    put_summary(cfg, "replay_ms", figures["history_as_of_ms"]["p50"], 1, "sqlite",
                events=len(full), p95=figures["history_as_of_ms"]["p95"], cpu_ms=figures["history_as_of_ms"]["cpu_mean"])
    return figures


def _fold(events: list[Any]) -> None:
    from workflow.engine.projection import project_case

    project_case(events)


def verify(cfg: Config, url: str, n_cases: int, jobs: int) -> dict[str, Any]:
    from workflow.adapters.sql.audit_scan import verify_database

    watch, cpu = Stopwatch(), _cpu_seconds()
    report = verify_database(url, jobs=jobs)
    seconds, cpu = watch.seconds, _cpu_seconds() - cpu
    rate = report.events / seconds if seconds else 0.0
    log(f"audit verify (--jobs {jobs}): {report.cases:,} cases, {report.events:,} events in {seconds:.2f} s = "
        f"{rate:,.0f} events/s, {cpu:.1f} s CPU ({'OK' if report.ok else 'FAILED: ' + str(report.problems[:2])})")
    # CPU seconds too: on a shared machine the wall clock also counts other processes' turns.
    return {"cases": report.cases, "events": report.events, "jobs": jobs, "seconds": round(seconds, 3),
            "cpu_seconds": round(cpu, 3), "events_per_s": round(rate),
            "events_per_cpu_s": round(report.events / cpu) if cpu else None, "ok": report.ok, "n": n_cases}


def _cpu_seconds() -> float:
    """CPU of this process and of its finished children (verify's worker processes are joined before it returns)."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def run(cfg: Config, datasets: dict[int, str]) -> dict[str, Any]:
    from workflow.audit.service import default_jobs

    banner("replay and audit verify")
    results: dict[str, Any] = {"replay": replay(cfg), "verify": {}}
    jobs = default_jobs()
    for n, url in sorted(datasets.items()):
        if url.startswith("sqlite"):
            # What `rectiflow audit verify` runs (one process per CPU), and one process for the per-core cost.
            results["verify"][str(n)] = verify(cfg, url, n, jobs)
            if jobs > 1:
                results["verify"][f"{n} --jobs 1"] = verify(cfg, url, n, 1)
    if results["verify"]:
        best = results["verify"][str(max(int(k) for k in results["verify"] if k.isdigit()))]
        put_summary(cfg, "verify_events_per_s", best["events_per_s"], best["n"], "sqlite", events=best["events"],
                    ok=best["ok"], events_per_cpu_s=best["events_per_cpu_s"], jobs=best["jobs"])
    write_result(cfg, "replay_verify", results)
    return results
