"""Generated databases for the read-side benchmarks, made once per (size, seed) and reused.

SQLite files live in `<work>/datasets/`; a `.done` marker beside each records what made it, so
an interrupted or outdated one is regenerated. For PostgreSQL the SQLite data is copied row by
row into a fresh database of the run's throwaway cluster (same events, same hashes) rather than
generated a second time.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

from sqlalchemy import insert, select

from bench.common import Config, Stopwatch, fresh_file, log, sqlite_url

GENERATOR_VERSION = 1


def sqlite_dataset(cfg: Config, n: int) -> tuple[str, dict[str, Any]]:
    """URL of the SQLite dataset of `n` cases (generated now unless a complete one is on disk)."""
    from bench.generate import generate

    path = cfg.work / "datasets" / f"cases-{n}-seed{cfg.seed}.db"
    marker = path.with_suffix(".done")
    want = {"cases": n, "seed": cfg.seed, "generator": GENERATOR_VERSION}
    if path.exists() and marker.exists():
        info = json.loads(marker.read_text())
        if all(info.get(k) == v for k, v in want.items()):
            log(f"dataset {n:,} cases: reusing {path}")
            from workflow.adapters.sqlstore import upgrade_database

            upgrade_database(sqlite_url(path))  # migrations added since it was made (new columns are nullable)
            return sqlite_url(path), info
    marker.unlink(missing_ok=True)
    log(f"dataset {n:,} cases: generating into {path} …")
    done = generate(sqlite_url(fresh_file(path)), n, seed=cfg.seed, instance=cfg.work / "datasets" / "instance")
    info = {**want, "events": done.events, "seconds": round(done.seconds, 1), "stages": done.stages,
            "refused_steps": done.refused}
    marker.write_text(json.dumps(info))
    log(f"dataset {n:,} cases: {done.events:,} events in {done.seconds:.0f} s; stages {done.stages}")
    return sqlite_url(path), info


def copy_to_postgres(src_url: str, cluster: Any, n: int, seed: int, instance: Path) -> str:
    """A PostgreSQL database holding the same directory, cases and events as the SQLite dataset."""
    from bench.generate import make_app, seed_directory
    from workflow.adapters import schema as t
    from workflow.adapters.sqlstore import make_engine, upgrade_database
    from workflow.adapters.timeline import case_timeline_t

    name = f"cases_{n}_seed{seed}"
    cluster.create_database(name)
    url = cluster.url(name)
    upgrade_database(url)
    app = make_app(url, instance)
    watch = Stopwatch()
    try:
        seed_directory(app, n)
        src = make_engine(src_url)
        try:
            for table, order in ((t.case_events, t.case_events.c.seq), (t.cases, t.cases.c.id),
                                 (case_timeline_t, case_timeline_t.c.case_id)):
                cols = [c for c in table.c if not (table is t.case_events and c.name == "seq")]
                for batch in _batches(src, select(*cols).order_by(order)):
                    with app.engine.begin() as conn:
                        conn.execute(insert(table), batch)
        finally:
            src.dispose()
    finally:
        app.engine.dispose()
    with cluster.connect(name) as conn:
        conn.execute("ANALYZE")
    log(f"dataset {n:,} cases copied to PostgreSQL in {watch.seconds:.0f} s")
    return url


def _batches(engine: Any, stmt: Any, size: int = 5000) -> Iterator[list[dict[str, Any]]]:
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=size).execute(stmt).mappings()
        batch: list[dict[str, Any]] = []
        for row in result:
            batch.append(dict(row))
            if len(batch) >= size:
                yield batch
                batch = []
        if batch:
            yield batch
