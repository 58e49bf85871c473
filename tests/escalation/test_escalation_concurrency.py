"""Two sweepers on one database at once — threads and processes, SQLite and PostgreSQL.

They run *without* the lease (as after a lease misconfiguration or a stalled owner), so only the
database stands between them and a double escalation: thousands of due rungs, 0 duplicates, 0 missed.
"""
from __future__ import annotations

import multiprocessing
import threading
from collections import Counter

import pytest
from factories import local, open_many
from sqlalchemy import func, select
from sweep_children import sweep_in_child

from workflow.adapters.sql import schema as t
from workflow.events import ESCALATED

pytestmark = pytest.mark.slow
CASES = 700  # × 3 rungs each = 2,100 due rungs
DUE = local("2026-04-30T00:00")  # every rung of every case opened on 2026-03-02 is due


def assert_exactly_once(app, case_ids: list[str]) -> None:
    with app.store.read() as tx:
        conn = tx.conn
        events = conn.execute(select(t.case_events.c.case_id, t.case_events.c.payload)
                              .where(t.case_events.c.action == ESCALATED)).all()
        left = conn.execute(select(func.count()).select_from(t.cases)
                            .where(t.cases.c.next_escalation_at.is_not(None))).scalar()
        firings = conn.execute(select(func.count()).select_from(t.escalation_firings)).scalar()
    per_case = Counter(case_id for case_id, _ in events)
    assert len(events) == 3 * len(case_ids) == firings  # 0 duplicates ...
    assert set(per_case) == set(case_ids) and set(per_case.values()) == {3}
    assert left == 0  # ... and 0 missed


def test_two_sweeper_threads(make_esc_app, database_url, clock, lease_clock) -> None:
    app = make_esc_app(database_url)
    ids = open_many(app, CASES)
    clock.set(DUE)
    esc = app.escalations
    start = threading.Barrier(2)
    counts: dict[str, int] = {}

    def run(name: str) -> None:
        sweeper = esc.sweeper(fired_by=name, batch=50)
        start.wait()
        counts[name] = len(sweeper.sweep().fired)

    threads = [threading.Thread(target=run, args=(n,)) for n in ("one", "two")]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sum(counts.values()) == 3 * CASES
    assert_exactly_once(app, ids)


def test_two_sweeper_processes(make_esc_app, database_url, clock, defs, tmp_path) -> None:
    app = make_esc_app(database_url)
    ids = open_many(app, CASES)
    ctx = multiprocessing.get_context("spawn")
    args = (database_url, str(defs), str(tmp_path / "instance"), DUE.isoformat())
    with ctx.Pool(2) as pool:
        counts = pool.starmap(sweep_in_child, [(*args, "proc-1"), (*args, "proc-2")])
    assert sum(counts) == 3 * CASES
    assert_exactly_once(app, ids)
