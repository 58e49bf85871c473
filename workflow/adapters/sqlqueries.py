"""SQL for the read side (workflow.queries.ReadModel): inboxes, the battle map, the audit and access logs.

Inboxes are a UNION ALL of index seeks, each `ORDER BY <deadline key>, id LIMIT n`, merged and cut
to n again — so a page reads at most n rows per seek however many cases match, and pages follow
by keyset (after the last row's deadline key and id), never by OFFSET. The deadline key is
`coalesce(due_at, <far future>)`, the exact expression the web_0001 indexes are built on.

The battle map as of an instant T reads the case timeline (workflow.adapters.timeline, derived
from case_events in the same transaction as each event): the row of each case valid at T gives
its state, unit and deadline — the same as its last state- and deadline-setting events at or
before T — and whether an earlier deadline already ran out; one grouped statement over an index.
"""
from __future__ import annotations

import json
import re
from dataclasses import replace
from functools import lru_cache
from typing import Any, Iterator

from sqlalchemy import (
    JSON, Engine, bindparam, cast, column, func, insert, literal_column, or_, select, table, text, tuple_,
    union_all, update,
)
from sqlalchemy.sql import ColumnElement

from workflow.adapters import schema as t
from workflow.adapters.sqlstore import event_from_row
from workflow.events import Event
from workflow.queries import (
    COUNT_CAP, AccessEntry, AlertRow, AuditFilter, CaseRow, DashboardCount, InboxPage, InboxQuery, Seek, light_of,
)

FAR_FUTURE = "9999-12-31T23:59:59.999999Z"
c = t.cases.c
DUE_KEY = func.coalesce(c.due_at, literal_column(f"'{FAR_FUTURE}'"))
_CURSOR = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)\|([A-Za-z0-9_-]{1,40})$")
# The escalation feature's table (migration esc_0001), named here so the read side needs only its columns.
alerts_t = table("alerts", column("id"), column("login"), column("case_id"), column("kind"), column("rung"),
                 column("level"), column("at"), column("due_at"), column("late"), column("read_at"))
def _shape(query: InboxQuery) -> InboxQuery:
    """The query without its instant and source value: what the statement's structure depends on."""
    return replace(query, now="", filt=replace(query.filt, source="?" if query.filt.source else None))


ROW_COLUMNS = (c.id, c.type, c.definition_version, c.title, c.unit, c.state, c.stage, c.version, c.assignee,
               c.due_at, c.updated_at, c.snapshot)


class SqlQueries:
    """workflow.queries.ReadModel on a SQLAlchemy engine (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name

    # ---- inboxes ---------------------------------------------------------------------------
    def inbox(self, query: InboxQuery, *, after: str | None, limit: int) -> InboxPage:
        if not query.seeks:
            return InboxPage([], None)
        cursor = _CURSOR.match(after or "")
        stmt = self._page_statement(_shape(query), cursor is not None, limit + 1)
        params = {"now": query.now, "source": query.filt.source or ""}
        if cursor:
            params.update(after_due=cursor.group(1), after_id=cursor.group(2))
        with self.engine.connect() as conn:
            rows = conn.execute(stmt, params).mappings().all()
        page = [self._row(r, query.now) for r in rows[:limit]]
        more = len(rows) > limit
        return InboxPage(page, f"{rows[limit - 1]['due_key']}|{rows[limit - 1]['id']}" if more else None)

    def count(self, query: InboxQuery, *, cap: int = COUNT_CAP) -> int:
        if not query.seeks:
            return 0
        stmt = self._count_statement(_shape(query), cap)
        with self.engine.connect() as conn:
            found = conn.execute(stmt, {"now": query.now, "source": query.filt.source or ""}).scalar()
        return min(int(found or 0), cap)

    # Statements are built once per inbox shape (role, units, tab, filters) and reused, so a page view
    # costs no query building and SQLAlchemy's compiled cache always hits; values are bound parameters.
    @lru_cache(maxsize=512)
    def _page_statement(self, shape: InboxQuery, with_cursor: bool, limit: int) -> Any:
        subs = [self._seek(shape, s, with_cursor, limit, ROW_COLUMNS + (DUE_KEY.label("due_key"),))
                for s in shape.seeks]
        if len(subs) == 1:
            return subs[0]
        merged = union_all(*[select(s.subquery().c) for s in subs]).subquery()
        return select(merged).order_by(merged.c.due_key, merged.c.id).limit(limit)

    @lru_cache(maxsize=512)
    def _count_statement(self, shape: InboxQuery, cap: int) -> Any:
        merged = union_all(*[select(self._seek(shape, s, False, cap, (c.id,)).subquery().c)
                             for s in shape.seeks]).subquery()
        return select(func.count()).select_from(merged)

    def _seek(self, query: InboxQuery, seek: Seek, with_cursor: bool, limit: int, columns: tuple[Any, ...]) -> Any:
        conds: list[ColumnElement[bool]] = []
        for col, value in ((c.type, seek.type), (c.state, seek.state), (c.unit, seek.unit),
                           (c.assignee, seek.assignee), (c.stage, seek.stage)):
            if value is not None:
                conds.append(col == value)
        if seek.assignee_is_null:
            conds.append(c.assignee.is_(None))
        if with_cursor:
            conds.append(tuple_(DUE_KEY, c.id) > tuple_(bindparam("after_due"), bindparam("after_id")))
        conds += self._residual(query)
        return select(*columns).where(*conds).order_by(DUE_KEY, c.id).limit(limit)

    def _residual(self, query: InboxQuery) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        f = query.filt
        now = bindparam("now")
        if query.residual_pairs is not None:
            # One IN over "type/state" keys: cheap to evaluate, and one bound list instead of a big OR.
            keys = sorted(f"{t}/{s}" for t, s in query.residual_pairs) or ["-"]
            out.append((c.type + "/" + c.state).in_(keys))
        if query.residual_units is not None:
            out.append(c.unit.in_(query.residual_units))
        yellow = self._json(c.snapshot, "deadline", "yellow_at")
        if f.light == "red":
            out.append(DUE_KEY <= now)
        elif f.light == "yellow":
            out += [DUE_KEY > now, yellow <= now]
        elif f.light == "green":
            out += [c.due_at.is_not(None), DUE_KEY > now, or_(yellow.is_(None), yellow > now)]
        elif f.light == "none":
            out.append(c.due_at.is_(None))
        if f.source:
            out.append(self._json(c.snapshot, "fields", "discovery_channel") == bindparam("source"))
        return out

    def _json(self, column: Any, *path: str) -> Any:
        if self.dialect == "postgresql":
            return func.json_extract_path_text(cast(column, JSON), *path)
        return func.json_extract(column, "$." + ".".join(path))

    @staticmethod
    def _row(r: Any, now: str) -> CaseRow:
        snap = json.loads(r["snapshot"])
        deadline = snap.get("deadline") or {}
        row = CaseRow(r["id"], r["type"], r["definition_version"], r["title"], r["unit"], r["state"], r["stage"],
                      r["version"], r["assignee"], r["due_at"], deadline.get("yellow_at"), r["updated_at"],
                      int(snap.get("supervision_level") or 0), bool(snap.get("ever_overdue")))
        row.light = light_of(row.due_at, row.yellow_at, now)
        return row

    # ---- the battle map -----------------------------------------------------------------------
    def dashboard(self, as_of: str, units: tuple[str, ...] | None, types: tuple[str, ...],
                  closed: tuple[str, ...]) -> list[DashboardCount]:
        stmt = text(self._dashboard_sql(units is not None)).bindparams(
            bindparam("types", expanding=True), bindparam("closed", expanding=True))
        params: dict[str, Any] = {"t": as_of, "types": list(types) or ["-"], "closed": list(closed) or ["-"]}
        if units is not None:
            stmt = stmt.bindparams(bindparam("units", expanding=True))
            params["units"] = list(units) or ["-"]
        with self.engine.connect() as conn:
            rows = conn.execute(stmt, params).all()
        return [DashboardCount(u, ty, int(v), st, light, bool(late), int(n), red_due)
                for u, ty, v, st, light, late, red_due, n in rows]

    @staticmethod
    def _dashboard_sql(by_unit: bool) -> str:
        # The rows of case_timeline valid at :t — each case's row from its last event at or before :t
        # that moved it on the battle map (workflow.adapters.timeline) — read from a covering index
        # (migration dash_0001): by validity end for everyone, by unit for a unit's map.
        # ever_late (closed cases only, for the on-time rate): an earlier deadline ran out before it
        # was replaced (`late`), or the deadline the case still held at :t had run out by then.
        unit_filter = "AND unit IN :units" if by_unit else ""
        return f"""
        SELECT unit, type, definition_version, state,
               CASE WHEN due_at IS NULL THEN 'none' WHEN due_at <= :t THEN 'red'
                    WHEN yellow_at IS NOT NULL AND yellow_at <= :t THEN 'yellow' ELSE 'green' END AS light,
               CASE WHEN type || '/' || state IN :closed AND (late OR due_at <= :t) THEN 1 ELSE 0 END AS ever_late,
               CASE WHEN due_at <= :t THEN due_at END AS red_due,
               COUNT(*) AS n
        FROM case_timeline
        WHERE valid_to > :t AND valid_from <= :t AND type IN :types {unit_filter}
        GROUP BY unit, type, definition_version, state, light, ever_late, red_due
        """

    # ---- the audit log ------------------------------------------------------------------------
    def audit_events(self, filt: AuditFilter, *, before_seq: int | None, limit: int) -> list[Event]:
        e = t.case_events.c
        stmt = select(t.case_events).where(*self._audit_conds(filt)).order_by(e.seq.desc()).limit(limit)
        if before_seq is not None:
            stmt = stmt.where(e.seq < before_seq)
        with self.engine.connect() as conn:
            return [event_from_row(r) for r in conn.execute(stmt).mappings()]

    def iter_audit_events(self, filt: AuditFilter, batch: int = 2000) -> Iterator[Event]:
        """Every matching event in log order, read in keyset batches (no long-held cursor)."""
        e = t.case_events.c
        last = 0
        while True:
            stmt = (select(t.case_events).where(e.seq > last, *self._audit_conds(filt))
                    .order_by(e.seq).limit(batch))
            with self.engine.connect() as conn:
                events = [event_from_row(r) for r in conn.execute(stmt).mappings()]
            yield from events
            if len(events) < batch:
                return
            last = int(events[-1].seq or 0)

    @staticmethod
    def _audit_conds(filt: AuditFilter) -> list[ColumnElement[bool]]:
        e = t.case_events.c
        pairs = ((e.actor, filt.actor), (e.action, filt.action), (e.case_id, filt.case_id), (e.definition, filt.type))
        conds: list[ColumnElement[bool]] = [col == value for col, value in pairs if value]
        if filt.since:
            conds.append(e.at >= filt.since)
        if filt.until:
            conds.append(e.at <= filt.until)
        return conds

    # ---- the access log -----------------------------------------------------------------------
    def record_access(self, entry: AccessEntry) -> None:
        values = {"at": entry.at, "actor": entry.actor[:80], "action": entry.action, "case_id": entry.case_id,
                  "outcome": entry.outcome, "ip": entry.ip[:64],
                  "detail": json.dumps(entry.detail, ensure_ascii=False, sort_keys=True)}
        with self.engine.begin() as conn:
            conn.execute(insert(t.access_log).values(**values))

    def failures_since(self, *, actor: str, ip: str, since: str) -> tuple[int, int]:
        a = t.access_log.c
        base = select(func.count()).select_from(t.access_log).where(
            a.action == "login", a.outcome == "failed", a.at >= since)
        with self.engine.connect() as conn:
            by_actor = conn.execute(base.where(a.actor == actor[:80])).scalar() or 0
            by_ip = conn.execute(base.where(a.ip == ip[:64])).scalar() or 0
        return int(by_actor), int(by_ip)

    def access_entries(self, *, actor: str | None, case_id: str | None, before_seq: int | None,
                       limit: int) -> list[AccessEntry]:
        a = t.access_log.c
        stmt = select(t.access_log).order_by(a.seq.desc()).limit(limit)
        if actor:
            stmt = stmt.where(a.actor == actor)
        if case_id:
            stmt = stmt.where(a.case_id == case_id)
        if before_seq is not None:
            stmt = stmt.where(a.seq < before_seq)
        with self.engine.connect() as conn:
            return [AccessEntry(r["seq"], r["at"], r["actor"], r["action"], r["case_id"], r["outcome"], r["ip"],
                                json.loads(r["detail"])) for r in conn.execute(stmt).mappings()]

    # ---- alerts ---------------------------------------------------------------------------------
    def alerts(self, login: str, *, unread_only: bool, before_id: int | None, limit: int) -> list[AlertRow]:
        a = alerts_t.c
        stmt = (select(alerts_t, c.title, c.type).select_from(alerts_t.outerjoin(t.cases, c.id == a.case_id))
                .where(a.login == login).order_by(a.id.desc()).limit(limit))
        if unread_only:
            stmt = stmt.where(a.read_at.is_(None))
        if before_id is not None:
            stmt = stmt.where(a.id < before_id)
        with self.engine.connect() as conn:
            return [AlertRow(r["id"], r["case_id"], r["kind"], r["rung"], int(r["level"] or 0), r["at"], r["due_at"],
                             bool(r["late"]), r["read_at"] is not None, r["title"] or "", r["type"] or "")
                    for r in conn.execute(stmt).mappings()]

    def unread_alerts(self, login: str, *, cap: int = COUNT_CAP) -> int:
        a = alerts_t.c
        sub = select(a.id).where(a.login == login, a.read_at.is_(None)).limit(cap).subquery()
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(sub)).scalar() or 0)

    def mark_alerts_read(self, login: str, ids: list[int] | None, at: str) -> int:
        a = alerts_t.c
        stmt = update(alerts_t).where(a.login == login, a.read_at.is_(None)).values(read_at=at)
        if ids is not None:
            stmt = stmt.where(a.id.in_(ids))
        with self.engine.begin() as conn:
            return int(conn.execute(stmt).rowcount or 0)
