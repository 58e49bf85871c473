"""The Merkle log: sequencing a whole database, signing a checkpoint, and `audit verify`'s checkpoint check.

On a copy of each generated SQLite database (the sequencer writes `log_entries`, and the datasets are
shared with the other benchmarks): the first sequencing of every event (what the first checkpoint
after the upgrade does), then a checkpoint when nothing is new (the daily cost: read the stored
leaves, root, sign, store), then the check `audit verify --checkpoint` runs — every position's record
read back, its leaf recomputed, the root compared — as entries per second.
"""
from __future__ import annotations

import shutil
from typing import Any

from bench.common import Config, Stopwatch, banner, log, put_summary, sqlite_url, write_result


def measure(cfg: Config, url: str, n_cases: int) -> dict[str, Any]:
    from workflow.adapters.files.audit_keys import AuditKeyFiles
    from workflow.adapters.sql.merkle_log import SqlMerkleLog
    from workflow.adapters.sql.sqlstore import make_engine, upgrade_database
    from workflow.audit.checkpoints import Checkpoints
    from workflow.audit.notes import generate
    from workflow.clock import SystemClock

    source = url.split("///", 1)[1]
    work = cfg.work / "merkle"
    work.mkdir(parents=True, exist_ok=True)
    copy = work / f"merkle-{n_cases}.db"
    for suffix in ("-wal", "-shm", ""):
        (copy.parent / (copy.name + suffix)).unlink(missing_ok=True)
    shutil.copyfile(source, copy)
    upgrade_database(sqlite_url(copy))
    keys = work / f"keys-{n_cases}"
    shutil.rmtree(keys, ignore_errors=True)
    private, _ = AuditKeyFiles().write(keys, generate("bench"))
    engine = make_engine(sqlite_url(copy))
    try:
        log_ = SqlMerkleLog(engine)
        checkpoints = Checkpoints(log_, AuditKeyFiles(), SystemClock(), private)
        watch = Stopwatch()
        sequenced = checkpoints.sequence()
        sequence_s = watch.seconds
        watch = Stopwatch()
        cp, note = checkpoints.checkpoint()
        checkpoint_s = watch.seconds
        watch = Stopwatch()
        [result] = checkpoints.verify([("bench", note, checkpoints.signer().verifier)])
        verify_s = watch.seconds
    finally:
        engine.dispose()
    rate = cp.size / verify_s if verify_s else 0.0
    log(f"merkle log over {n_cases:,} cases: sequenced {sequenced:,} records in {sequence_s:.2f} s, checkpoint "
        f"{checkpoint_s:.2f} s, verify against it {verify_s:.2f} s = {rate:,.0f} entries/s "
        f"({'OK' if result.ok else 'FAILED'})")
    return {"n": n_cases, "entries": cp.size, "first_sequence_s": round(sequence_s, 3),
            "checkpoint_s": round(checkpoint_s, 3), "verify_s": round(verify_s, 3), "entries_per_s": round(rate),
            "ok": result.ok}


def run(cfg: Config, datasets: dict[int, str]) -> dict[str, Any]:
    banner("merkle log: checkpoint and verify")
    results = {str(n): measure(cfg, url, n) for n, url in sorted(datasets.items()) if url.startswith("sqlite")}
    if results:
        best = results[str(max(int(k) for k in results))]
        put_summary(cfg, "checkpoint_s", best["checkpoint_s"], best["n"], "sqlite", entries=best["entries"],
                    first_sequence_s=best["first_sequence_s"])
        put_summary(cfg, "merkle_verify_entries_per_s", best["entries_per_s"], best["n"], "sqlite",
                    entries=best["entries"], ok=best["ok"])
    write_result(cfg, "merkle_log", results)
    return results
