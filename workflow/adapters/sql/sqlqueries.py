"""SQL for the read side (workflow.reporting.queries.ReadModel): inboxes, the battle map, the audit and access logs.

Inboxes are index seeks, each reading one key's rows in deadline order and cut to n, merged and
cut to n again — so a page reads at most n index entries per seek however many cases match, and
pages follow by keyset (after the last row's deadline key and id), never by OFFSET. The statements
are built once per inbox shape (workflow.adapters.sql.inbox_sql) and run as plain driver SQL.

The battle map's SQL is in workflow.adapters.sql.board_queries (the base class of SqlQueries).
"""
from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterator, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, Engine, and_, column, func, insert, or_, select, table, update
from sqlalchemy.sql import ColumnElement

from workflow.adapters.sql import schema as t
from workflow.adapters.sql.access_rows import access_entry, access_values
from workflow.adapters.sql.board_queries import BoardQueries
from workflow.adapters.sql.case_rows import event_from_row
from workflow.adapters.sql.inbox_sql import (
    SEARCH_FOUND,
    SEARCH_PROBE,
    SearchPlan,
    counts_statement,
    page_statement,
    search_hits_statement,
)
from workflow.adapters.sql.search_index import collect_hits, match_value
from workflow.events import ADVANCED, Event
from workflow.read_side import (
    COUNT_CAP,
    AccessEntry,
    AlertRow,
    AuditFilter,
    CaseRow,
    InboxPage,
    InboxQuery,
)
from workflow.reporting.queries import light_of
from workflow.search_terms import query_terms

c = t.cases.c
_CURSOR = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)\|([A-Za-z0-9_-]{1,40})$")
# The escalation feature's table (migration esc_0001), named here so the read side needs only its columns.
alerts_t = table("alerts", column("id"), column("login"), column("case_id"), column("kind"), column("rung"),
                 column("level"), column("at"), column("due_at"), column("late"), column("read_at"))


Plans = dict[str, "tuple[SearchPlan, dict[str, str]] | None"]  # words -> plan and values (None: match nothing)
# Up to this many matching cases a search reads them from the index and sorts them (cost ∝ matches);
# beyond, the tab's seeks walk in deadline order testing each row (a common word matches early). BENCHMARKS.md.
SEARCH_FOUND_MAX = 3000


def _matches_nothing(query: InboxQuery) -> bool:
    return not query.keys or query.pairs == frozenset() or query.units == ()


def _extras(found: Any) -> Any:
    """(supervision level, ever overdue, yellow_at) from a row's `extras` (see inbox_sql.EXTRAS)."""
    if isinstance(found, dict):  # the whole snapshot
        return found.get("supervision_level"), found.get("ever_overdue"), (found.get("deadline") or {}).get("yellow_at")
    return found


def _shape(query: InboxQuery) -> InboxQuery:
    """The query without its instant and source value: what the statement's text depends on."""
    return replace(query, now="", filt=replace(query.filt, source="?" if query.filt.source else None,
                                               text="?" if query.filt.text else None,
                                               campaign="?" if query.filt.campaign else None))


class SqlQueries(BoardQueries):
    """workflow.reporting.queries.ReadModel on a SQLAlchemy engine (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name

    # ---- inboxes ---------------------------------------------------------------------------
    def inbox(self, query: InboxQuery, *, after: str | None, limit: int) -> InboxPage:
        with self.engine.connect() as conn:
            return self._page(conn, query, after, limit)

    def count(self, query: InboxQuery, *, cap: int = COUNT_CAP) -> int:
        return self.counts([query], cap=cap)[0]

    def counts(self, queries: Sequence[InboxQuery], *, cap: int = COUNT_CAP) -> list[int]:
        with self.engine.connect() as conn:
            return self._counts(conn, queries, cap)

    def inbox_with_counts(self, query: InboxQuery, counted: Sequence[InboxQuery], *, after: str | None, limit: int,
                          cap: int = COUNT_CAP) -> tuple[InboxPage, list[int]]:
        """A page and the tabs' counts on one connection, in two statements (each round trip costs)."""
        with self.engine.connect() as conn:
            plan: Plans = {}  # the search's plan, worked out once for both
            return self._page(conn, query, after, limit, plan), self._counts(conn, counted, cap, plan)

    def _search(self, conn: Connection, text: str | None, plan: Plans
                ) -> tuple[SearchPlan, dict[str, str]] | None:
        """("", {}) without words; (plan, the values it binds) for words; None when they can match nothing."""
        if not text:
            return "", {}
        if text not in plan:
            terms = query_terms(text)
            if terms is None:
                plan[text] = None
            else:
                match = match_value(self.dialect, terms)
                hits = conn.exec_driver_sql(search_hits_statement(self.dialect),
                                            {"search": match, "n": SEARCH_FOUND_MAX}).scalar_one()
                chosen = SEARCH_FOUND if hits < SEARCH_FOUND_MAX else SEARCH_PROBE
                if chosen == SEARCH_PROBE and self.dialect == "sqlite":  # the set PROBE tests, once per request
                    collect_hits(conn, match)
                plan[text] = (chosen, {"search": match})
        return plan[text]

    def _page(self, conn: Connection, query: InboxQuery, after: str | None, limit: int,
              plan: Plans | None = None) -> InboxPage:
        search = self._search(conn, query.filt.text, {} if plan is None else plan)
        if _matches_nothing(query) or search is None:
            return InboxPage([], None)
        cursor = _CURSOR.match(after or "")
        stmt = page_statement(self.dialect, _shape(query), cursor is not None, limit + 1, search[0])
        params = {**stmt.params, "now": query.now, "source": query.filt.source or "", **search[1],
                  "campaign": query.filt.campaign or ""}
        if cursor:
            params.update(after_due=cursor.group(1), after_id=cursor.group(2))
        rows = conn.exec_driver_sql(stmt.sql, params).mappings().all()
        page = [self._row(r, query.now) for r in rows[:limit]]
        more = len(rows) > limit
        return InboxPage(page, f"{rows[limit - 1]['due_key']}|{rows[limit - 1]['id']}" if more else None)

    def _counts(self, conn: Connection, queries: Sequence[InboxQuery], cap: int,
                plan: Plans | None = None) -> list[int]:
        asked = [q for q in queries if not _matches_nothing(q)]
        if not asked:
            return [0] * len(queries)
        if len({(q.now, q.filt.source, q.filt.text, q.filt.campaign) for q in asked}) > 1:
            raise ValueError("counts in one statement share the instant, the source and campaign filters and the "
                             "words")
        search = self._search(conn, asked[0].filt.text, {} if plan is None else plan)
        if search is None:
            return [0] * len(queries)
        stmt = counts_statement(self.dialect, tuple(_shape(q) for q in asked), cap, search[0])
        found = iter(conn.exec_driver_sql(stmt.sql, {**stmt.params, "now": asked[0].now, **search[1],
                                                     "source": asked[0].filt.source or "",
                                                     "campaign": asked[0].filt.campaign or ""}).one())
        return [0 if _matches_nothing(q) else min(int(next(found) or 0), cap) for q in queries]

    @staticmethod
    def _row(r: Any, now: str) -> CaseRow:
        supervision_level, ever_overdue, yellow_at = _extras(json.loads(r["extras"]))
        row = CaseRow(r["id"], r["type"], r["definition_version"], r["title"], r["unit"], r["state"], r["stage"],
                      r["version"], r["assignee"], r["due_at"], yellow_at, r["updated_at"],
                      int(supervision_level or 0), bool(ever_overdue))
        row.light = light_of(row.due_at, row.yellow_at, now, closed=row.stage == "closed")
        return row

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
        pairs = ((e.case_id, filt.case_id), (e.definition, filt.type))
        conds: list[ColumnElement[bool]] = [col == value for col, value in pairs if value]
        if filt.actors:
            conds.append(e.actor.in_(filt.actors))
        # A step is in the payload, stored as canonical JSON (workflow.events.canonical_json): the text
        # `"trigger":"<name>"` occurs there only as the event's own trigger (a quote inside a value is escaped).
        what: list[ColumnElement[bool]] = [e.action.in_(filt.actions)] if filt.actions else []
        what += [and_(e.definition == case_type, e.action == ADVANCED,
                      e.payload.contains(f'"trigger":"{trigger}"', autoescape=True))
                 for case_type, trigger in filt.steps]
        if what:
            conds.append(or_(*what))
        if filt.since:
            conds.append(e.at >= filt.since)
        if filt.until:
            conds.append(e.at <= filt.until)
        return conds

    def case_titles(self, ids: Collection[str]) -> dict[str, str]:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.cases.c.id, t.cases.c.title).where(t.cases.c.id.in_(wanted))).all()
        return {str(case_id): str(title) for case_id, title in rows}

    # ---- the access log -----------------------------------------------------------------------
    def record_access(self, entry: AccessEntry) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(t.access_log).values(**access_values(entry)))

    def access_entries(self, *, actor: str | None, case_id: str | None, before_seq: int | None,
                       limit: int, actors: Collection[str] = ()) -> list[AccessEntry]:
        a = t.access_log.c
        stmt = select(t.access_log).order_by(a.seq.desc()).limit(limit)
        if actor:
            stmt = stmt.where(a.actor == actor)
        if actors:  # any of these
            stmt = stmt.where(a.actor.in_(sorted(actors)))
        if case_id:
            stmt = stmt.where(a.case_id == case_id)
        if before_seq is not None:
            stmt = stmt.where(a.seq < before_seq)
        with self.engine.connect() as conn:
            return [access_entry(r) for r in conn.execute(stmt).mappings()]

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
