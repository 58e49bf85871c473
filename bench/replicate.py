"""A million-case dataset in minutes: copy a generated base into the counties it does not use.

`bench.generate` drives every event through the engine (about 1 ms of CPU per event), so a
million cases (~7M events) would take about two hours. Replication runs the engine once, on a
base (100,000 cases), then writes `copies - 1` further copies of it into new counties of the same
province: county i of copy j is county `j * B + i` (B = the base's counties), so every unit code
and login of the base (actor, assignee, unit, owner, …, wherever it stands in an event) is mapped
to its namesake in the new county; each copied case gets a fresh id; times stay exactly as they were
(shifting them would move working-day deadlines that the engine computed on the original dates).
Every copied event is re-sealed with the engine's own `Event.sealed` on a fresh chain, and each
case row is the engine's fold (`project_case`) of its copied events written with the store's own
`case_row` — so `rectiflow audit verify` passes on the result as on a generated database.

What a copy is not: an independent sample. Each county of copy j lives the same lives as its base
county (same scripts, same instants, same titles); the mix of stages and deadlines is the base's,
multiplied. Read-side figures (inbox, sweep, verify, memory) depend on volume and that mix, not on
the lives being distinct; figures that count coincident instants (the sweep at "x % due" fires
`copies` times as many rungs at each instant) scale by the same factor.

    python -m bench.replicate --base bench/.work/datasets/cases-100000-seed20260302.db --copies 10 \\
        --out bench/.work/datasets/cases-1000000-seed20260302.db

With `--open-only` the copies take only the base's open cases (the base itself stays whole): the
escalation sweep's "1M open cases" without ten million closed ones around them (the base's
41,215 open cases ×25 = 1,030,375).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import dataset
from bench.common import fresh_file, iter_chunks, log, sqlite_url
from workflow.adapters.sql.case_rows import case_row, event_to_row
from workflow.adapters.sql.sqlstore import upgrade_database
from workflow.engine.projection import project_case
from workflow.events import GENESIS_HASH, Event
from workflow.records import CaseState

CHUNK_CASES = 1000  # base cases read at a time
COMMIT_CHUNKS = 10  # chunks per transaction
_COUNTY = re.compile(r'"k\d{3}')  # a JSON string that may be a county's unit code or login
OPEN = " WHERE stage <> 'closed'"  # what the escalation sweep counts as open


@dataclass
class Replicated:
    cases: int
    events: int
    seconds: float
    cpu_seconds: float
    stages: dict[str, int]


class CountyMap:
    """Every unit code and login of the base's counties, mapped to copy j's counties."""

    def __init__(self, base_counties: int, copy: int) -> None:
        units, users = dataset.directory(0, counties=base_counties)
        names = [u.code for u in units] + [u.login for u in users]
        self.to: dict[str, str] = {}
        for i in range(base_counties):
            old, new = dataset.county(i), dataset.county(copy * base_counties + i)
            self.to.update({n: new + n[len(old):] for n in names if n == old or n.startswith(old + "-")})

    def name(self, value: str) -> str:
        found = self.to.get(value)
        if found is not None:
            return found
        if value[:1] == "k" and value[1:4].isdigit():  # county-shaped but unknown: never copy it unmapped
            raise ValueError(f"replicate: {value!r} looks like a county's unit or login but is not in the directory")
        return value

    def value(self, value: Any) -> Any:
        """JSON-shaped data with every unit code and login mapped (dict keys too)."""
        if isinstance(value, str):
            return self.name(value)
        if isinstance(value, dict):
            return {self.name(k): self.value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v) for v in value]
        return value


def copy_id(case_id: str, copy: int) -> str:
    """A fresh case id of the same shape, derived from the base id (the same on every run)."""
    return "c" + hashlib.sha256(f"{copy}:{case_id}".encode()).hexdigest()[:16]


def copy_case(events: list[BaseEvent], copy: int, names: CountyMap) -> list[Event]:
    """The base case's events as copy `copy`'s: new id, mapped names, same times, a freshly sealed chain."""
    new_id, prev, out = copy_id(events[0].event.case_id, copy), GENESIS_HASH, []
    for base in events:
        e = base.event
        ev = Event(case_id=new_id, version=e.version, at=e.at, actor=names.name(e.actor), action=e.action,
                   from_state=e.from_state, to_state=e.to_state, payload=base.payload_for(names),
                   definition=e.definition, definition_version=e.definition_version, prev_hash=prev).sealed()
        out.append(ev)
        prev = ev.hash
    return out


@dataclass
class BaseEvent:
    """A base event, and which of its payload's top-level entries name a unit or login (None: all may)."""

    event: Event
    named: tuple[str, ...] | None

    @classmethod
    def read(cls, event: Event) -> BaseEvent:
        if any(_COUNTY.match(f'"{key}') for key in event.payload):
            return cls(event, None)
        return cls(event, tuple(k for k, v in event.payload.items() if _COUNTY.search(json.dumps(v))))

    def payload_for(self, names: CountyMap) -> dict[str, Any]:
        """The payload with every name mapped; entries naming nobody (deadlines, texts) are shared, not copied
        (nothing writes into an event's payload: events are immutable and the fold copies what it keeps)."""
        payload = self.event.payload
        if self.named is None:
            return names.value(payload)  # type: ignore[no-any-return]
        if not self.named:
            return payload  # type: ignore[return-value]
        return {k: names.value(v) if k in self.named else v for k, v in payload.items()}


def replicate(base: Path, out: Path, copies: int, *, open_only: bool = False) -> Replicated:
    """Write `out`: the base database plus `copies - 1` copies of its cases (of its open ones only, with
    `open_only`) in new counties."""
    t0, cpu0 = time.perf_counter(), time.process_time()
    if copies < 1:
        raise ValueError("copies must be at least 1 (the base itself)")
    src = sqlite3.connect(f"file:{base}?mode=ro", uri=True)
    src.row_factory = sqlite3.Row
    dst = sqlite3.connect(fresh_file(out), isolation_level=None)
    try:
        src.backup(dst)  # a consistent snapshot of the base: schema, directory, definitions, cases, events
        dst.execute("PRAGMA cache_size=-2000000")  # ~2 GB: the unique (case_id, version) index stays in memory
        base_counties = _extend_directory(dst, copies)
        maps = [CountyMap(base_counties, j) for j in range(1, copies)]
        ev_cols = _columns(dst, "case_events", event_to_row(Event("c", 1, "", "", "", None, None, {}, "", 1, "")))
        case_cols = _columns(dst, "cases", case_row(CaseState(id="c"), ""))
        ev_sql = f"INSERT INTO case_events ({', '.join(ev_cols)}) VALUES ({', '.join('?' * len(ev_cols))})"
        case_sql = f"INSERT INTO cases ({', '.join(case_cols)}) VALUES ({', '.join('?' * len(case_cols))})"
        ids = [r[0] for r in src.execute("SELECT id FROM cases" + (OPEN if open_only else "") + " ORDER BY id")]
        n_cases = src.execute("SELECT count(*) FROM cases").fetchone()[0] + len(ids) * (copies - 1)
        derived = _case_tables(dst)
        stages: dict[str, int] = {}
        n_events = 0
        with _bulk_load(dst, ["cases", "case_events", *derived]):
            for done, chunk in enumerate(iter_chunks(ids, CHUNK_CASES), start=1):
                ev_rows, case_rows = [], []
                for stage, events in _base_cases(src, chunk):
                    stages[stage] = stages.get(stage, 0) + copies - 1
                    for j, names in enumerate(maps, start=1):
                        copied = copy_case(events, j, names)
                        for ev in copied:
                            row = event_to_row(ev)
                            ev_rows.append([row[c] for c in ev_cols])
                        case = project_case(copied)
                        assert case is not None
                        row = case_row(case, stage)
                        case_rows.append([row.get(c) for c in case_cols])
                dst.executemany(ev_sql, ev_rows)
                dst.executemany(case_sql, case_rows)
                for table in derived:
                    _copy_rows(src, dst, table, chunk, maps)
                n_events += len(ev_rows)
                if done % COMMIT_CHUNKS == 0:
                    dst.execute("COMMIT")
                    dst.execute("BEGIN")
                    log(f"replicated {done * CHUNK_CASES:,} of {len(ids):,} base cases ×{copies - 1}: "
                        f"{n_events:,} events written ({time.perf_counter() - t0:.0f} s)")
        base_events = src.execute("SELECT count(*) FROM case_events").fetchone()[0]
        for stage, count in src.execute("SELECT stage, count(*) FROM cases GROUP BY stage"):
            stages[stage] = stages.get(stage, 0) + count
    finally:
        src.close()
        dst.close()
    upgrade_database(sqlite_url(out))  # migrations newer than the base, with their backfills, over every copy
    _index_for_search(out)
    return Replicated(n_cases, base_events + n_events, time.perf_counter() - t0,
                      time.process_time() - cpu0, dict(sorted(stages.items())))


def _index_for_search(out: Path) -> None:
    """The keyword index (workflow.adapters.sql.search_index) of every case, base and copies, built anew:
    its rows are keyed by the index's own numbers, so they are not copied like the case tables."""
    from workflow.adapters.sql import search_index
    from workflow.adapters.sql.sqlstore import make_engine

    engine = make_engine(sqlite_url(out))
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM case_search")
            conn.exec_driver_sql("DELETE FROM case_search_docs")
            search_index.fill(conn)
    finally:
        engine.dispose()


def _case_tables(dst: sqlite3.Connection) -> list[str]:
    """The other tables with rows per case (a `case_id` column): data derived from the events, such as the
    battle map's timeline, escalation firings and alerts — copied row for row, mapped like the events.
    Not the access log: it records who used the web pages of the base (a benchmark's logins), not case data."""
    tables = [r[0] for r in dst.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                        "AND name NOT IN ('cases', 'case_events', 'access_log') AND name NOT LIKE 'case_search%' "
                                        "ORDER BY name")]
    return [name for name in tables if "case_id" in {c[1] for c in dst.execute(f'PRAGMA table_info("{name}")')}]


def _copy_rows(src: sqlite3.Connection, dst: sqlite3.Connection, table: str, ids: list[str],
               maps: list[CountyMap]) -> None:
    """Each copy's rows of `table` for the base cases `ids`: the case id made the copy's, names mapped, the
    rest (instants, states, versions) as they were — what the copy's events call for, the times being the same.
    A row id the database assigns (INTEGER PRIMARY KEY) is left to it."""
    info = dst.execute(f'PRAGMA table_info("{table}")').fetchall()
    keys = [c[1] for c in info if c[5]]
    cols = [c[1] for c in info if not (keys == [c[1]] and c[2].upper() == "INTEGER")]
    marks = ", ".join("?" * len(ids))
    rows = src.execute(f'SELECT {", ".join(cols)} FROM "{table}" WHERE case_id IN ({marks})', ids).fetchall()
    if not rows:
        return
    at = cols.index("case_id")
    out = []
    for j, names in enumerate(maps, start=1):
        for row in rows:
            values = [names.name(v) if isinstance(v, str) else v for v in row]
            values[at] = copy_id(row[at], j)
            out.append(values)
    dst.executemany(f'INSERT INTO "{table}" ({", ".join(cols)}) VALUES ({", ".join("?" * len(cols))})', out)


@contextmanager
def _bulk_load(dst: sqlite3.Connection, tables: list[str]) -> Iterator[None]:
    """One long write without a journal, the secondary indexes of `tables` dropped, then
    recreated from their own stored CREATE INDEX statements (the migrations' exact definitions) and
    the database put back in WAL mode. Measured at 1M cases: without this (WAL, one commit per 1,000
    base cases, indexes kept) every commit rewrote most index pages — 15 GB written for a 4 GB file
    a fifth of the way in, and slowing down as the indexes grew. A crash midway leaves a broken
    file, but no `.done` marker: the dataset is then made again."""
    marks = ", ".join("?" * len(tables))
    indexes = dst.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                          f"AND tbl_name IN ({marks}) ORDER BY name", tables).fetchall()
    dst.execute("PRAGMA journal_mode=OFF")
    dst.execute("PRAGMA synchronous=OFF")
    dst.execute("BEGIN")
    for name, _sql in indexes:
        dst.execute(f'DROP INDEX "{name}"')
    yield
    for _name, sql in indexes:
        dst.execute(sql)
    dst.execute("COMMIT")
    dst.execute("PRAGMA journal_mode=WAL")


def _extend_directory(dst: sqlite3.Connection, copies: int) -> int:
    """Add the copies' counties (units, then users) to the directory; the number of base counties."""
    have_units = {r[0] for r in dst.execute("SELECT code FROM units")}
    have_users = {r[0] for r in dst.execute("SELECT login FROM users")}
    base_counties = sum(1 for code in have_units if code != "prov" and "-" not in code)
    units, users = dataset.directory(0, counties=base_counties * copies)
    (password,) = dst.execute("SELECT password_hash FROM users WHERE login = 'auditor'").fetchone()
    dst.execute("BEGIN")
    dst.executemany("INSERT INTO units (code, name, parent) VALUES (?, ?, ?)",
                    [(u.code, u.name, u.parent) for u in units if u.code not in have_units])
    # Same password and token scheme as bench.generate.seed_directory (token = place in the directory).
    dst.executemany("INSERT INTO users (login, name, role, unit, password_hash, active, session_token) "
                    "VALUES (?, ?, ?, ?, ?, 1, ?)",
                    [(u.login, u.name, u.role, u.unit, password, f"{i:032x}")
                     for i, u in enumerate(users) if u.login not in have_users])
    dst.execute("COMMIT")
    return base_counties


def _columns(dst: sqlite3.Connection, table: str, sample: dict[str, Any]) -> list[str]:
    """The columns the store writes (those of `sample`) that this database has; a column newer than
    the base is filled by its migration's backfill when the result is upgraded."""
    have = {r[1] for r in dst.execute(f"PRAGMA table_info({table})")}
    return [c for c in sample if c in have]


def _base_cases(src: sqlite3.Connection, ids: list[str]) -> Iterator[tuple[str, list[BaseEvent]]]:
    """(stage, events in version order) of each base case in `ids`."""
    marks = ", ".join("?" * len(ids))
    stage = dict(src.execute(f"SELECT id, stage FROM cases WHERE id IN ({marks})", ids).fetchall())
    rows = src.execute(f"SELECT * FROM case_events WHERE case_id IN ({marks}) ORDER BY case_id, version", ids)
    current: list[BaseEvent] = []
    for r in rows:
        if current and current[0].event.case_id != r["case_id"]:
            yield stage[current[0].event.case_id], current
            current = []
        current.append(BaseEvent.read(Event(
            case_id=r["case_id"], version=r["version"], at=r["at"], actor=r["actor"], action=r["action"],
            from_state=r["from_state"], to_state=r["to_state"], payload=json.loads(r["payload"]),
            definition=r["definition"], definition_version=r["definition_version"], prev_hash=r["prev_hash"],
            hash=r["hash"])))
    if current:
        yield stage[current[0].event.case_id], current


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, required=True, help="a generated SQLite dataset (only read)")
    parser.add_argument("--copies", type=int, required=True, help="how many times the base's cases in the result")
    parser.add_argument("--out", type=Path, required=True, help="the SQLite file to write (replaced)")
    parser.add_argument("--open-only", action="store_true", help="copy only the base's open cases")
    args = parser.parse_args()
    done = replicate(args.base, args.out, args.copies, open_only=args.open_only)
    print(f"{done.cases:,} cases, {done.events:,} events in {done.seconds:.1f} s ({done.cpu_seconds:.1f} s CPU); "
          f"stages {done.stages}; {args.out.stat().st_size / 1e9:.2f} GB")


if __name__ == "__main__":
    main()
