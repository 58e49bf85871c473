"""Engine throughput: whole case lifecycles, one durable commit per transition, vs the raw driver and peers.

Every variant drives the same lifecycle (open + verify, dispatch, report rectified, sign-off, close out) the
way a web request would: load the case, fire, commit — one transaction and one audit event per
transition. Variants run interleaved in rounds in one process, so they share the machine's state;
the headline is the median round. SQLite is file-backed with WAL under synchronous=NORMAL (what
rectiflow ships: RECTIFLOW_SQLITE_SYNCHRONOUS defaults to NORMAL) and FULL; PostgreSQL runs on a
durable throwaway cluster with synchronous_commit on and off.
"""
from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import pg
from bench.common import DEFINITIONS, Config, banner, fresh_file, log, put_summary, sqlite_url, write_result
from bench.peers.orm_peers import NaiveTransitions, Spiff
from bench.peers.raw import RawPsycopg, RawSqlite
from bench.peers.workload import BASE_FIELDS, EVIDENCE, STEP_FIELDS, STEPS, TRANSITIONS_PER_CASE

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
AT = "2026-03-02T01:00:00.000000Z"


class RectiflowVariant:
    """rectiflow's CaseService on its SQL store, built like every entry point builds it."""

    def __init__(self, url: str, synchronous: str, instance: Path, pg_options: str | None = None) -> None:
        from rectiflow.demo import seed_directory
        from workflow.adapters.sql.sqlstore import upgrade_database
        from workflow.bootstrap import build
        from workflow.clock import FixedClock
        from workflow.config import Settings

        upgrade_database(url)
        kwargs: dict[str, Any] = {"connect_args": {"options": pg_options}} if pg_options else {}
        settings = Settings(database_url=url, definitions_dir=DEFINITIONS, instance_dir=instance,
                            sqlite_synchronous=synchronous)
        self.app = build(settings, clock=FixedClock(START), engine_options=kwargs)
        seed_directory(self.app)

    def open(self, case_id: str, at: str) -> str:
        return self.app.cases.open_case("rectification_item", actor="registrar", unit="xf-sfs-1",
                                          title="社区矫正对象请假审批材料不全", fields=BASE_FIELDS).id

    def step(self, case_id: str, index: int, at: str) -> None:
        from workflow.cases.validation import Attachment

        trigger, actor, _dest, _stage = STEPS[index]
        files = [Attachment("evidence", "复核记录.txt", EVIDENCE)] if trigger == "report_rectified" else []
        self.app.cases.advance(case_id, trigger, actor=actor, fields=STEP_FIELDS[index], attachments=files)

    def close(self) -> None:
        self.app.close()


class RawVariant:
    """Adapter giving the raw drivers the variants' open/step interface on a migrated schema."""

    def __init__(self, driver: Any) -> None:
        self.driver = driver

    def open(self, case_id: str, at: str) -> str:
        self.driver.open(case_id, at)
        return case_id

    def step(self, case_id: str, index: int, at: str) -> None:
        self.driver.step(case_id, index, at)

    def close(self) -> None:
        self.driver.close()


class PeerVariant(RawVariant):
    pass


def drive(variant: Any, first: int, cases: int) -> tuple[float, float]:
    """(transitions per second, CPU ms of this process per transition) over `cases` whole lifecycles."""
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(first, first + cases):
        case_id = variant.open(f"c{i:016x}", AT)
        for k in range(len(STEPS)):
            variant.step(case_id, k, AT)
    n = cases * TRANSITIONS_PER_CASE
    return n / (time.perf_counter() - t0), (time.process_time() - c0) * 1000 / n


def compare(makers: dict[str, Callable[[], Any]], cases: int, rounds: int) -> dict[str, dict[str, Any]]:
    variants = {name: make() for name, make in makers.items()}
    per_round = max(1, cases // rounds)
    figures: dict[str, list[float]] = {name: [] for name in variants}
    cpu: dict[str, list[float]] = {name: [] for name in variants}
    try:
        for r in range(rounds):
            for name, v in variants.items():
                tps, cpu_ms = drive(v, r * per_round, per_round)
                figures[name].append(tps)
                cpu[name].append(cpu_ms)
    finally:
        for v in variants.values():
            v.close()
    # cpu_ms_per_transition: this process's CPU only (the PostgreSQL server's work is not in it).
    return {name: {"transitions_per_s": round(statistics.median(f), 1), "rounds": [round(x, 1) for x in f],
                   "cpu_ms_per_transition": round(statistics.median(cpu[name]), 3), "cases": per_round * rounds}
            for name, f in figures.items()}


def sqlite_makers(work: Path, sync: str) -> dict[str, Callable[[], Any]]:
    from workflow.adapters.sql.sqlstore import upgrade_database

    def path(name: str) -> Path:
        return fresh_file(work / f"{name}-{sync.lower()}.db")

    def raw() -> RawVariant:
        p = path("raw")
        upgrade_database(sqlite_url(p))  # the same schema and indexes the engine writes to
        return RawVariant(RawSqlite(str(p), sync))

    return {
        "raw_sqlite3": raw,
        "rectiflow": lambda: RectiflowVariant(sqlite_url(path("rectiflow")), sync, work / "instance"),
        "naive_transitions_orm": lambda: PeerVariant(NaiveTransitions(sqlite_url(path("naive")), sync)),
        "spiffworkflow": lambda: PeerVariant(Spiff(sqlite_url(path("spiff")), sync)),
    }


def pg_makers(cluster: Any, work: Path, commit: str, tag: str) -> dict[str, Callable[[], Any]]:
    from workflow.adapters.sql.sqlstore import upgrade_database

    options = f"-c synchronous_commit={commit}"

    def db(name: str) -> str:
        full = f"{name}_{tag}"
        cluster.create_database(full)
        return cluster.url(full)

    def raw() -> RawVariant:
        url = db("raw")
        upgrade_database(url)
        return RawVariant(RawPsycopg(url.replace("postgresql+psycopg://", "postgresql://"), commit))

    return {
        "raw_psycopg": raw,
        "rectiflow": lambda: RectiflowVariant(db("rectiflow"), "NORMAL", work / "instance", options),
        "naive_transitions_orm": lambda: PeerVariant(NaiveTransitions(db("naive"), pg_options=options)),
        "spiffworkflow": lambda: PeerVariant(Spiff(db("spiff"), pg_options=options)),
    }


def ratios(res: dict[str, dict[str, Any]], raw: str) -> dict[str, float]:
    eng = res["rectiflow"]["transitions_per_s"]
    return {"engine_vs_raw": round(eng / res[raw]["transitions_per_s"], 3),
            "engine_vs_spiffworkflow": round(eng / res["spiffworkflow"]["transitions_per_s"], 3),
            "engine_vs_naive_transitions": round(eng / res["naive_transitions_orm"]["transitions_per_s"], 3)}


def run(cfg: Config) -> dict[str, Any]:
    banner("engine throughput (whole lifecycles, one commit per transition)")
    work = cfg.work / "throughput"
    rounds = 3
    results: dict[str, Any] = {"cases_per_variant": cfg.throughput_cases, "rounds": rounds,
                               "transitions_per_case": TRANSITIONS_PER_CASE, "shipped": "sqlite WAL + synchronous=NORMAL",
                               "sqlite": {}, "postgresql": {}}
    for sync in ("NORMAL", "FULL"):
        res = compare(sqlite_makers(work, sync), cfg.throughput_cases, rounds)
        results["sqlite"][sync] = {"variants": res, "ratios": ratios(res, "raw_sqlite3")}
        for name, fig in res.items():
            log(f"sqlite {sync:<6} {name:<22} {fig['transitions_per_s']:>9,.0f} transitions/s  "
                f"({fig['cpu_ms_per_transition']:.3f} ms CPU each)")
        log(f"sqlite {sync:<6} ratios {results['sqlite'][sync]['ratios']}")
    shipped = results["sqlite"]["NORMAL"]["ratios"]
    for key, value in shipped.items():
        put_summary(cfg, key, value, cfg.throughput_cases, "sqlite", synchronous="NORMAL")
    reason = None if cfg.postgres else "PostgreSQL benchmarks switched off"
    reason = reason or pg.available()
    if reason:
        results["postgresql"] = {"status": "not available", "reason": reason}
        log(f"postgresql: not available — {reason}")
    else:
        with pg.cluster() as cluster:
            results["postgresql"]["server_version"] = pg.server_version(cluster)
            for commit in ("on", "off"):
                res = compare(pg_makers(cluster, work, commit, f"sc{commit}"), cfg.throughput_cases, rounds)
                results["postgresql"][f"synchronous_commit={commit}"] = {"variants": res, "ratios": ratios(res, "raw_psycopg")}
                for name, fig in res.items():
                    log(f"postgresql sc={commit:<3} {name:<22} {fig['transitions_per_s']:>9,.0f} transitions/s  "
                        f"({fig['cpu_ms_per_transition']:.3f} ms CPU each)")
                log(f"postgresql sc={commit:<3} ratios {ratios(res, 'raw_psycopg')}")
    write_result(cfg, "engine_throughput", results)
    return results
