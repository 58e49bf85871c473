"""The case timeline: the battle map's derived table, written with every event that moves a case on it.

One row per change of what the battle map shows of a case (type, state, unit, deadline, "an earlier
deadline ran out"), valid from its event's instant until the next row's (the current row's
`valid_to` is FAR_FUTURE). "The battle map as of T" is then the rows with
`valid_from <= T < valid_to` — one range read over an index (migration dash_0001) instead of a
fold of every event up to T.

The rows are derived data, like `cases`: `record` writes them in the transaction that appends the
event (called from SqlTx.append), `rebuild` recomputes them from case_events (the migration's
backfill; anything that bulk-inserts events or copies cases without the store must call it, or copy
the rows along), and `problems` compares them with the log, case by case (`expected` gives one case's
rows from its events, for a verifier that already holds them). The fold itself is
workflow.reporting.battle_map.timeline_step.
"""
from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Boolean, Column, Connection, Integer, PrimaryKeyConstraint, String, Table, delete, insert, select

from workflow.adapters.sql import driver_sql
from workflow.adapters.sql import schema as t
from workflow.events import Event
from workflow.records import Problem
from workflow.reporting.battle_map import TimelineRow, case_timeline, changes_timeline, timeline_step

FAR_FUTURE = "9999-12-31T23:59:59.999999Z"  # valid_to of a case's current row

case_timeline_t = Table(
    "case_timeline", t.metadata,
    Column("case_id", String(40), nullable=False),
    Column("version", Integer, nullable=False),  # the event that began the row
    Column("valid_from", t.TIME, nullable=False),
    Column("valid_to", t.TIME, nullable=False),
    Column("type", String(64), nullable=False),
    Column("definition_version", Integer, nullable=False),
    Column("state", String(64), nullable=False),
    Column("unit", String(64), nullable=False),
    Column("due_at", t.TIME, nullable=True),
    Column("yellow_at", t.TIME, nullable=True),
    Column("late", Boolean, nullable=False),
    PrimaryKeyConstraint("case_id", "version", name="pk_case_timeline"),
)
tl = case_timeline_t.c
ROW_COLUMNS = (tl.case_id, tl.version, tl.valid_from, tl.type, tl.definition_version, tl.state, tl.unit,
               tl.due_at, tl.yellow_at, tl.late)

_INSERT = insert(case_timeline_t)
# The write path's two statements, as driver SQL prepared once per dialect (no Core statement
# handling on every event that moves a case): close the case's current row at the event's instant
# and hand it back, then insert the new one.
_RETURNED = ("type", "definition_version", "state", "unit", "due_at", "yellow_at", "late")
_COLUMNS = ("case_id", "version", "valid_from", "valid_to") + _RETURNED


def _driver_sql(mark: str) -> tuple[str, str]:
    close = (f"UPDATE case_timeline SET valid_to = {mark} WHERE case_id = {mark} AND valid_to = '{FAR_FUTURE}' "
             f"RETURNING {', '.join(_RETURNED)}")
    add = f"INSERT INTO case_timeline ({', '.join(_COLUMNS)}) VALUES ({', '.join([mark] * len(_COLUMNS))})"
    return close, add


_SQL = {"sqlite": _driver_sql("?"), "postgresql": _driver_sql("%s")}
_EVENT_COLUMNS = (t.case_events.c.case_id, t.case_events.c.version, t.case_events.c.at, t.case_events.c.action,
                  t.case_events.c.to_state, t.case_events.c.payload, t.case_events.c.definition,
                  t.case_events.c.definition_version)


def record(conn: Connection, ev: Event) -> None:
    """Bring the case's timeline up to `ev`, in the caller's transaction (the one appending `ev`)."""
    if ev.version > 1 and not changes_timeline(ev):
        return  # comments, assignments, escalation notes: nothing on the battle map moves
    close, add = _SQL[conn.dialect.name]
    prev = None
    if ev.version > 1:
        found = driver_sql.first(conn, close, (ev.at, ev.case_id))
        if found is None:  # the case predates its timeline (a bulk load skipped it): derive it whole
            rebuild(conn, ev.case_id)
            return
        case_type, definition_version, state, unit, due_at, yellow_at, late = found
        prev = TimelineRow(ev.case_id, 0, "", case_type, definition_version, state, unit, due_at, yellow_at,
                           bool(late))
    row = timeline_step(prev, ev)
    assert row is not None
    driver_sql.run(conn, add, (row.case_id, row.version, row.valid_from, FAR_FUTURE, row.type,
                               row.definition_version, row.state, row.unit, row.due_at, row.yellow_at, row.late))


def rebuild(conn: Connection, case_id: str | None = None, *, batch: int = 2000) -> int:
    """Recompute the timeline of one case (or of every case) from case_events; the number of rows written."""
    if case_id is not None:
        conn.execute(delete(case_timeline_t).where(tl.case_id == case_id))
        return _write(conn, _fold(_events(conn, case_id, case_id)))
    conn.execute(delete(case_timeline_t))
    ids = list(conn.execute(select(t.case_events.c.case_id).distinct().order_by(t.case_events.c.case_id)).scalars())
    written = 0
    for i in range(0, len(ids), batch):
        chunk = ids[i:i + batch]
        written += _write(conn, _fold(_events(conn, chunk[0], chunk[-1])))
    return written


def problems(conn: Connection, case_id: str | None = None, *, batch: int = 2000) -> list[Problem]:
    """Cases whose stored timeline differs from the one their events call for (one Problem per case)."""
    e = t.case_events.c
    if case_id is not None:
        ranges = [(case_id, case_id)]
    else:
        ids = sorted(set(conn.execute(select(e.case_id).distinct()).scalars())
                     | set(conn.execute(select(tl.case_id).distinct()).scalars()))
        ranges = [(ids[i], ids[min(i + batch, len(ids)) - 1]) for i in range(0, len(ids), batch)]
    found: list[Problem] = []
    for first, last in ranges:
        want: dict[str, list[dict[str, Any]]] = {}
        for row in _fold(_events(conn, first, last)):
            want.setdefault(row["case_id"], []).append(row)
        query = (select(*ROW_COLUMNS, tl.valid_to).where(tl.case_id >= first, tl.case_id <= last)
                 .order_by(tl.case_id, tl.version))
        have: dict[str, list[dict[str, Any]]] = {}
        for r in conn.execute(query).mappings():
            have.setdefault(r["case_id"], []).append({**dict(r), "late": bool(r["late"])})
        for cid in sorted(set(want) | set(have)):
            if want.get(cid, []) != have.get(cid, []):
                found.append(Problem(cid, None, "the battle map's timeline (case_timeline) differs from the "
                                               "one its events call for: rebuild it (workflow.adapters.sql.timeline)"))
    return found


def expected(events: list[Event]) -> list[dict[str, Any]]:
    """The stored rows one case's events call for (valid_to included), in version order."""
    rows = case_timeline(events)
    ends = [r.valid_from for r in rows[1:]] + [FAR_FUTURE]
    return [_values(r, end) for r, end in zip(rows, ends)]


def stored(conn: Connection, case_id: str) -> list[dict[str, Any]]:
    query = select(*ROW_COLUMNS, tl.valid_to).where(tl.case_id == case_id).order_by(tl.version)
    return [{**dict(r), "late": bool(r["late"])} for r in conn.execute(query).mappings()]


def _events(conn: Connection, first: str, last: str) -> Iterator[Event]:
    """The events of cases first..last (by id) that can move a case on the battle map, in case/version order."""
    e = t.case_events.c
    # A cheap text pre-filter; changes_timeline decides on the parsed payload.
    query = (select(*_EVENT_COLUMNS).where(e.case_id >= first, e.case_id <= last)
             .where((e.version == 1) | e.to_state.is_not(None) | e.payload.like('%"deadline"%'))
             .order_by(e.case_id, e.version))
    for r in conn.execute(query).mappings().all():
        yield Event(case_id=r["case_id"], version=r["version"], at=r["at"], actor="", action=r["action"],
                    from_state=None, to_state=r["to_state"], payload=_payload(r["payload"]),
                    definition=r["definition"], definition_version=r["definition_version"], prev_hash="")


def _payload(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    return value if isinstance(value, dict) else {}


def _fold(events: Iterator[Event]) -> Iterator[dict[str, Any]]:
    """Stored rows from the events of consecutive cases (each case's events in version order).

    A case whose events cannot be folded (only a forged log has such) gets no rows: the rebuild
    goes on, and `audit verify` names the case (its chain, and its missing timeline).
    """
    for _case, group in itertools.groupby(events, key=lambda e: e.case_id):
        try:
            rows = expected(list(group))
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
        yield from rows


def _write(conn: Connection, rows: Iterator[dict[str, Any]]) -> int:
    values = list(rows)
    if values:
        conn.execute(_INSERT, values)
    return len(values)


def _values(row: TimelineRow, valid_to: str) -> dict[str, Any]:
    return {"case_id": row.case_id, "version": row.version, "valid_from": row.valid_from, "valid_to": valid_to,
            "type": row.type, "definition_version": row.definition_version, "state": row.state,
            "unit": row.unit, "due_at": row.due_at, "yellow_at": row.yellow_at, "late": row.late}
