"""The Merkle log at scale: sequencing, signed checkpoints (cold and incremental), `audit verify` with the Merkle check.

On a private copy of a generated database (the sequencer writes `log_entries`, and the datasets are
shared with the other benchmarks) — a dataset of its own in the full run, `merkle_cases` cases
(140,000: 20,000 cases made by the bulk generator, replicated ×7 like the million-case dataset — just
over a million events):

1. the newest 1 % of the events are moved aside (what will arrive after the first checkpoint);
2. **sequencing**: the first integration of every record into the log (what the first sweep or
   checkpoint after the `audit_0001` upgrade does), then a sequencer run with nothing new (what every
   sweep pays between checkpoints);
3. **cold checkpoint**: `audit checkpoint` on the freshly sequenced log (root, sign, store);
4. the 1 % is put back (committed events the log has not seen) and an **incremental checkpoint**
   runs: sequence what is new, root, sign, store;
5. **verify**: `audit verify`'s two parts timed apart — the chains and replays (chain-only, what
   `replay_verify` measures, same processes) and the check against the checkpoint (every position's
   record read back, its leaf recomputed, the root compared) — and together as events per second of
   `audit verify` with the Merkle check.

On PostgreSQL (when the run has a cluster) the same steps run on a COPY of the SQLite dataset.
"""
from __future__ import annotations

import math
import shutil
from pathlib import Path
from typing import Any

from bench.common import Config, Stopwatch, banner, log, put_summary, sqlite_url, write_result

HELD_BACK = 0.01  # the share of events that arrives after the first checkpoint
MERKLE_BASE = 20_000  # the full run's dataset is replicated from this many generated cases


def measure(cfg: Config, url: str, n_cases: int, db: str) -> dict[str, Any]:
    from workflow.adapters.files.audit_keys import AuditKeyFiles
    from workflow.adapters.sql.audit_scan import verify_database
    from workflow.adapters.sql.merkle_log import SqlMerkleLog
    from workflow.adapters.sql.sqlstore import make_engine
    from workflow.audit.checkpoints import Checkpoints
    from workflow.audit.notes import generate
    from workflow.audit.service import default_jobs
    from workflow.clock import SystemClock

    work = cfg.work / "merkle"
    keys = work / f"keys-{db}-{n_cases}"
    shutil.rmtree(keys, ignore_errors=True)
    private, _ = AuditKeyFiles().write(keys, generate("bench"))
    engine = make_engine(url)
    figures: dict[str, Any] = {"n": n_cases, "db": db}
    try:
        held = _hold_back(engine, HELD_BACK)
        log_ = SqlMerkleLog(engine)
        checkpoints = Checkpoints(log_, AuditKeyFiles(), SystemClock(), private)
        watch = Stopwatch()
        figures["sequenced"] = checkpoints.sequence()
        figures["sequence_s"] = round(watch.seconds, 3)
        watch = Stopwatch()
        checkpoints.sequence()
        figures["sequence_nothing_new_s"] = round(watch.seconds, 3)
        watch = Stopwatch()
        cold, _ = checkpoints.checkpoint()
        figures["checkpoint_cold_s"] = round(watch.seconds, 3)
        figures["cold_size"] = cold.size
        _put_back(engine, held)
        watch = Stopwatch()
        cp, note = checkpoints.checkpoint()
        figures["checkpoint_incremental_s"] = round(watch.seconds, 3)
        figures["incremental_added"] = cp.size - cold.size
        figures["entries"] = cp.size
    finally:
        engine.dispose()
    jobs = default_jobs()
    watch = Stopwatch()
    report = verify_database(url, jobs=jobs)  # before any fork, no connection is open here
    chain_s = watch.seconds
    engine = make_engine(url)
    try:
        checkpoints = Checkpoints(SqlMerkleLog(engine), AuditKeyFiles(), SystemClock(), private)
        watch = Stopwatch()
        [result] = checkpoints.verify([("bench", note, checkpoints.signer().verifier)])
        merkle_s = watch.seconds
    finally:
        engine.dispose()
    events = report.events
    figures.update({
        "events": events, "jobs": jobs, "chain_ok": report.ok, "merkle_ok": result.ok,
        "verify_chain_s": round(chain_s, 3), "verify_chain_events_per_s": round(events / chain_s) if chain_s else 0,
        "verify_merkle_s": round(merkle_s, 3),
        "merkle_entries_per_s": round(figures["entries"] / merkle_s) if merkle_s else 0,
        "verify_with_merkle_s": round(chain_s + merkle_s, 3),
        "verify_with_merkle_events_per_s": round(events / (chain_s + merkle_s)) if chain_s + merkle_s else 0,
    })
    log(f"merkle log, {db}, {n_cases:,} cases: sequenced {figures['sequenced']:,} records in "
        f"{figures['sequence_s']:.2f} s (again with nothing new: {figures['sequence_nothing_new_s']:.3f} s); "
        f"cold checkpoint at {cold.size:,}: {figures['checkpoint_cold_s']:.3f} s; incremental checkpoint "
        f"(+{figures['incremental_added']:,}): {figures['checkpoint_incremental_s']:.3f} s")
    log(f"  audit verify: chains {chain_s:.1f} s = {figures['verify_chain_events_per_s']:,} events/s; "
        f"Merkle check {merkle_s:.1f} s = {figures['merkle_entries_per_s']:,} entries/s; with the Merkle check "
        f"{figures['verify_with_merkle_events_per_s']:,} events/s "
        f"({'OK' if report.ok and result.ok else 'FAILED: ' + str(report.problems[:2]) + str(result.problems[:2])})")
    return figures


def _hold_back(engine: Any, share: float) -> list[dict[str, Any]]:
    """Take the newest `share` of the events out of case_events (this copy only: its append-only trigger is
    lifted for the moment), to be put back after the first checkpoint as events the log has not seen."""
    from sqlalchemy import text

    with engine.begin() as conn:
        total = conn.execute(text("SELECT count(*) FROM case_events")).scalar_one()
        keep = conn.execute(text("SELECT seq FROM case_events ORDER BY seq DESC LIMIT 1 OFFSET :k"),
                            {"k": max(0, math.ceil(total * share) - 1)}).scalar_one_or_none()
        if keep is None or not total:
            return []
        rows = [dict(r._mapping) for r in conn.execute(text("SELECT * FROM case_events WHERE seq >= :s"), {"s": keep})]
        with _triggers_lifted(conn):
            conn.execute(text("DELETE FROM case_events WHERE seq >= :s"), {"s": keep})
    return rows


def _put_back(engine: Any, rows: list[dict[str, Any]]) -> None:
    from sqlalchemy import insert

    from workflow.adapters.sql import schema as t

    if rows:
        with engine.begin() as conn:
            conn.execute(insert(t.case_events), rows)


class _triggers_lifted:
    """DELETE on case_events allowed inside the block (the bench's private copy only)."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.sqlite = conn.dialect.name == "sqlite"
        self.saved: list[str] = []

    def __enter__(self) -> None:
        if self.sqlite:
            self.saved = [sql for (sql,) in self.conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'case_events_no_delete'")]
            self.conn.exec_driver_sql("DROP TRIGGER IF EXISTS case_events_no_delete")
        else:
            self.conn.exec_driver_sql("ALTER TABLE case_events DISABLE TRIGGER USER")

    def __exit__(self, *exc: object) -> None:
        if self.sqlite:
            for sql in self.saved:
                self.conn.exec_driver_sql(sql)
        else:
            self.conn.exec_driver_sql("ALTER TABLE case_events ENABLE TRIGGER USER")


def _sqlite_copy(cfg: Config, url: str, label: str) -> str:
    from workflow.adapters.sql.sqlstore import upgrade_database

    copy = cfg.work / "merkle" / f"merkle-{label}.db"
    copy.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("-wal", "-shm", ""):
        (copy.parent / (copy.name + suffix)).unlink(missing_ok=True)
    shutil.copyfile(Path(url.removeprefix("sqlite:///")), copy)
    upgrade_database(sqlite_url(copy))
    return sqlite_url(copy)


def run(cfg: Config, datasets: dict[int, str], cluster: Any = None) -> dict[str, Any]:
    """`datasets`: the run's SQLite datasets by case count; the full run measures its own (cfg.merkle_cases)."""
    from bench.datasets import copy_to_postgres, sqlite_dataset

    banner("merkle log: sequencing, checkpoints, verify with the Merkle check")
    if cfg.merkle_cases:
        datasets = {cfg.merkle_cases: sqlite_dataset(cfg, cfg.merkle_cases, replicate_from=MERKLE_BASE)[0]}
    results: dict[str, Any] = {}
    for n, url in sorted(datasets.items()):
        results[f"sqlite {n}"] = measure(cfg, _sqlite_copy(cfg, url, str(n)), n, "sqlite")
        if cluster is not None:
            name = f"merkle_{n}_seed{cfg.seed}"
            cluster.drop_database(name)
            pg_url = copy_to_postgres(url, cluster, n, cfg.seed, cfg.work / "pg-instance", name=name)
            try:
                results[f"postgresql {n}"] = measure(cfg, pg_url, n, "postgresql")
            finally:
                cluster.drop_database(name)
    # The summary's keys hold one database's figures: SQLite's (PostgreSQL's are in merkle_log.json).
    mine = [r for r in results.values() if r["db"] == "sqlite"] or list(results.values())
    if mine:
        best = max(mine, key=lambda r: r["entries"])
        n, db = best["n"], best["db"]
        put_summary(cfg, "checkpoint_s", best["checkpoint_cold_s"], n, db, entries=best["cold_size"],
                    first_sequence_s=best["sequence_s"], sequence_nothing_new_s=best["sequence_nothing_new_s"])
        put_summary(cfg, "checkpoint_incremental_s", best["checkpoint_incremental_s"], n, db,
                    entries=best["entries"], added=best["incremental_added"])
        put_summary(cfg, "merkle_verify_entries_per_s", best["merkle_entries_per_s"], n, db,
                    entries=best["entries"], ok=best["merkle_ok"])
        put_summary(cfg, "verify_with_merkle_events_per_s", best["verify_with_merkle_events_per_s"], n, db,
                    events=best["events"], chain_only_events_per_s=best["verify_chain_events_per_s"],
                    jobs=best["jobs"], ok=best["chain_ok"] and best["merkle_ok"])
    write_result(cfg, "merkle_log", results)
    return results
