"""Generated databases for the read-side benchmarks, made once per (size, seed) and reused.

SQLite files live in `<work>/datasets/`; a `.done` marker beside each records what made it, so
an interrupted or outdated one is regenerated. Sizes above REPLICATE_FROM that are a multiple of
it are copies of that dataset in further counties (`bench.replicate`): a million cases in minutes
instead of two hours of engine time. For PostgreSQL the SQLite data is copied with
PostgreSQL's COPY into a fresh database of the run's throwaway cluster (same events in the same
order, same hashes) rather than generated a second time.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.common import Config, Stopwatch, fresh_file, log, sqlite_url

GENERATOR_VERSION = 1
REPLICATE_FROM = 100_000  # the base that larger datasets are copied from


def sqlite_dataset(cfg: Config, n: int, replicate_from: int | None = None) -> tuple[str, dict[str, Any]]:
    """URL of the SQLite dataset of `n` cases (generated now unless a complete one is on disk); above
    `replicate_from` (default REPLICATE_FROM), a multiple of it is replicated from the dataset of that size."""
    from bench.generate import generate

    replicate_from = REPLICATE_FROM if replicate_from is None else replicate_from
    base = replicate_from if n > replicate_from and n % replicate_from == 0 else None
    other_base = f"-from{base}" if base and base != REPLICATE_FROM else ""
    path = cfg.work / "datasets" / f"cases-{n}{other_base}-seed{cfg.seed}.db"
    marker = path.with_suffix(".done")
    want: dict[str, Any] = {"cases": n, "seed": cfg.seed, "generator": GENERATOR_VERSION}
    if base:
        want["replicated_from"] = base
    info = _reusable(path, marker, want, f"dataset {n:,} cases")
    if info is not None:
        return sqlite_url(path), info
    if base:
        return _replicated(cfg, path, marker, want, base)
    log(f"dataset {n:,} cases: generating into {path} …")
    done = generate(sqlite_url(fresh_file(path)), n, seed=cfg.seed, instance=cfg.work / "datasets" / "instance")
    info = {**want, "events": done.events, "seconds": round(done.seconds, 1), "stages": done.stages,
            "refused_steps": done.refused}
    marker.write_text(json.dumps(info))
    log(f"dataset {n:,} cases: {done.events:,} events in {done.seconds:.0f} s; stages {done.stages}")
    return sqlite_url(path), info


def sqlite_open_dataset(cfg: Config, open_cases: int) -> tuple[str, dict[str, Any]]:
    """URL of a SQLite dataset with at least `open_cases` open cases, for the escalation sweep: the
    REPLICATE_FROM dataset whole plus copies of its open cases only (`bench.replicate --open-only`)."""
    import math
    import sqlite3

    from bench.replicate import OPEN, replicate

    base_url, base_info = sqlite_dataset(cfg, REPLICATE_FROM)
    base_path = Path(base_url.removeprefix("sqlite:///"))
    with sqlite3.connect(f"file:{base_path}?mode=ro", uri=True) as conn:
        base_open = conn.execute("SELECT count(*) FROM cases" + OPEN).fetchone()[0]
    copies = max(1, math.ceil(open_cases / max(1, base_open)))
    path = cfg.work / "datasets" / f"open-{open_cases}-seed{cfg.seed}.db"
    marker = path.with_suffix(".done")
    want: dict[str, Any] = {"open_cases": base_open * copies, "seed": cfg.seed, "generator": GENERATOR_VERSION,
                            "replicated_from": REPLICATE_FROM, "copies": copies, "open_only": True}
    info = _reusable(path, marker, want, f"dataset of {open_cases:,} open cases")
    if info is not None:
        return sqlite_url(path), info
    log(f"dataset of {open_cases:,} open cases: {base_path.name} plus its {base_open:,} open cases ×{copies - 1} "
        f"into {path} …")
    done = replicate(base_path, path, copies, open_only=True)
    info = {**want, "cases": done.cases, "events": done.events, "seconds": round(done.seconds, 1),
            "cpu_seconds": round(done.cpu_seconds, 1), "stages": done.stages, "bytes": path.stat().st_size,
            "base": {k: base_info.get(k) for k in ("cases", "events", "seconds", "stages", "refused_steps")}}
    marker.write_text(json.dumps(info))
    log(f"dataset of {want['open_cases']:,} open cases ({done.cases:,} cases): {done.events:,} events in "
        f"{done.seconds:.0f} s; stages {done.stages}")
    return sqlite_url(path), info


def _reusable(path: Path, marker: Path, want: dict[str, Any], label: str) -> dict[str, Any] | None:
    """The marker's record of a complete dataset made as `want` says (upgraded to this checkout's
    migrations), or None — and then no marker: whatever is at `path` is made again."""
    if path.exists() and marker.exists():
        info: dict[str, Any] = json.loads(marker.read_text())
        if all(info.get(k) == v for k, v in want.items()):
            log(f"{label}: reusing {path}")
            from workflow.adapters.sql.sqlstore import upgrade_database

            upgrade_database(sqlite_url(path))  # migrations added since it was made (new columns are nullable)
            _renumber_search_index(path)
            return info
    marker.unlink(missing_ok=True)
    return None


def _renumber_search_index(path: Path) -> None:
    """Index the cases for search anew when the index's document numbers are not the case rows' rowids
    (datasets made before workflow.adapters.sql.search_index numbered them so): walks would test the
    wrong rows."""
    import sqlite3

    with sqlite3.connect(path) as conn:
        stale = conn.execute("SELECT 1 FROM case_search_docs d JOIN cases c ON c.id = d.case_id "
                             "WHERE d.doc <> c.rowid LIMIT 1").fetchone()
    if stale:
        log(f"  {path.name}: search index numbered by an older version, indexing the cases again …")
        _fill_search_index(sqlite_url(path))


def _replicated(cfg: Config, path: Path, marker: Path, want: dict[str, Any], base: int) -> tuple[str, dict[str, Any]]:
    from bench.replicate import replicate

    n = want["cases"]
    base_url, base_info = sqlite_dataset(cfg, base)
    base_path = Path(base_url.removeprefix("sqlite:///"))
    log(f"dataset {n:,} cases: replicating {base_path.name} ×{n // base} into {path} …")
    done = replicate(base_path, path, n // base)
    info = {**want, "events": done.events, "seconds": round(done.seconds, 1), "cpu_seconds": round(done.cpu_seconds, 1),
            "stages": done.stages, "bytes": path.stat().st_size,
            "base": {k: base_info.get(k) for k in ("cases", "events", "seconds", "stages", "refused_steps")}}
    marker.write_text(json.dumps(info))
    log(f"dataset {n:,} cases: {done.events:,} events in {done.seconds:.0f} s ({done.cpu_seconds:.0f} s CPU); "
        f"stages {done.stages}")
    return sqlite_url(path), info


def copy_to_postgres(src_url: str, cluster: Any, n: int, seed: int, instance: Path, *, name: str = "") -> str:
    """A PostgreSQL database holding the same directory, cases, events and derived rows as the SQLite dataset.

    The schema comes from the migrations and the definitions from this checkout (as for a generated
    database); every other table with rows goes through PostgreSQL's COPY — the directory first,
    events in the SQLite `seq` order so the new sequence numbers run the same way.
    """
    import sqlite3

    from bench.generate import make_app
    from workflow.adapters.sql.sqlstore import upgrade_database

    name = name or f"cases_{n}_seed{seed}"
    cluster.create_database(name)
    url = cluster.url(name)
    upgrade_database(url)
    make_app(url, instance).close()  # loads this checkout's definitions
    watch = Stopwatch()
    src = sqlite3.connect(f"file:{src_url.removeprefix('sqlite:///')}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in src.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN "
                                            "('definitions', 'alembic_version', 'audit_meta') AND name NOT LIKE 'sqlite_%' "
                                            "AND name NOT LIKE 'case_search%'")]
        # audit_meta: the copy is a deployment of its own — its migration gave it its own deployment id
        first = [t for t in ("units", "users") if t in tables]
        with cluster.connect(name) as conn:
            for table in first + sorted(set(tables) - set(first)):
                rows = _copy_table(src, conn, table)
                if rows:
                    log(f"  {table}: {rows:,} rows copied ({watch.seconds:.0f} s)")
    finally:
        src.close()
    _fill_search_index(url)  # the keyword index is SQLite's FTS5 there: built anew from the copied cases
    with cluster.connect(name) as conn:
        conn.execute("ANALYZE")
    log(f"dataset {n:,} cases copied to PostgreSQL in {watch.seconds:.0f} s")
    return url


def _copy_table(src: Any, conn: Any, table: str) -> int:
    """COPY one table from SQLite into PostgreSQL, in SQLite's row order; the number of rows.

    Columns numbered by PostgreSQL (serial `seq`, `id`) are left to it; SQLite's 0/1 become booleans.
    """
    from psycopg import sql

    pg = conn.execute("SELECT column_name, data_type, coalesce(column_default, '') LIKE 'nextval(%%' "
                      "FROM information_schema.columns WHERE table_schema = 'public' AND table_name = %s",
                      (table,)).fetchall()
    have = {r[1] for r in src.execute(f'PRAGMA table_info("{table}")')}
    cols = [(c, kind == "boolean") for c, kind, numbered in pg if c in have and not numbered]
    if not cols:
        return 0
    names = [c for c, _ in cols]
    flags = [b for _, b in cols]
    copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, names)))
    count = 0
    with conn.cursor() as cur, cur.copy(copy_sql) as copy:
        for row in src.execute(f'SELECT {", ".join(names)} FROM "{table}" ORDER BY rowid'):
            copy.write_row([bool(v) if f and v is not None else v for v, f in zip(row, flags)] if any(flags) else row)
            count += 1
    return count


def _fill_search_index(url: str) -> None:
    from workflow.adapters.sql import search_index
    from workflow.adapters.sql.sqlstore import make_engine

    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM case_search")
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("DELETE FROM case_search_docs")
            search_index.fill(conn)
    finally:
        engine.dispose()
