"""A throwaway PostgreSQL cluster for the benchmarks, reusing the test suite's tests/pgcluster.py.

The test cluster turns fsync off for speed; a benchmark of durable commits must not, so this
loads its own copy of the module (under another name, leaving the tests' copy untouched) and
starts the server with PostgreSQL's durable defaults (fsync on, synchronous_commit on).
`synchronous_commit=off` is then a per-connection choice — PostgreSQL's analogue of SQLite's
WAL + synchronous=NORMAL (a crash may lose the last commits, never corrupt).
"""
from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

from bench.common import REPO


def _module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_pgcluster", REPO / "tests" / "pgcluster.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.SPEED_SETTINGS = {"shared_buffers": "256MB", "max_connections": "200"}  # durable: fsync stays on
    return mod


def available() -> str | None:
    """None when a cluster can be started here, else the reason it cannot."""
    if shutil.which("initdb") is None:
        return "PostgreSQL not installed (`initdb` not on PATH)"
    return None


@contextmanager
def cluster() -> Iterator[object]:
    """A running, durable throwaway cluster (ThrowawayCluster) for the duration of the block."""
    mod = _module()
    c = mod.ThrowawayCluster()
    c.start()
    try:
        yield c
    finally:
        c.stop()


def server_version(c: object) -> str:
    with c.connect() as conn:  # type: ignore[attr-defined]
        return str(conn.execute("SHOW server_version").fetchone()[0])
