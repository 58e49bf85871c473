"""SQL text for the inbox read model: a tab's index seeks as one statement, built once per shape.

A page is a set of seeks (workflow.reporting.queries.InboxQuery), each reading the rows of one key in
deadline order — `coalesce(due_at, <far future>), id`, the expression the web_0003 indexes are built
on — testing the other conditions on the index entry, and stopping after `n` hits; the hits are
merged, cut to `n` again, and only then are the page's rows read from the table. So a page reads
at most n index entries per seek plus n table rows, and pages follow by keyset, never by OFFSET.
A count reads the same seeks unordered and stops at the cap.

SQLite gets one `UNION ALL` branch per key (its prepared-statement cache keeps the compiled
statement). PostgreSQL gets a LATERAL join over the keys passed as arrays, so its statement text
depends only on the shape and not on how many keys there are: it is planned once as a small
statement (a union of hundreds of branches took seconds to plan) and prepared by the driver.

A keyword search (`filt.text`) is answered one of two ways, chosen by the caller from how many cases
the words match (counted from the index, capped): few matches — SEARCH_FOUND — are read from the
search index and only they are filtered and sorted (no walk at all); many — SEARCH_PROBE — keep the
seeks above and test each row read against the matches (search_index.PROBE: on SQLite the row's
rowid in the matches' rowids, collected once per request; a common word matches early in any walk).

The statements are plain DB-API text (named placeholders of each driver), run through
`exec_driver_sql`: they are built once per shape and cached, so a page view builds nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from workflow.adapters.sql.search_index import FOUND, PROBE
from workflow.read_side import InboxQuery

SearchPlan = Literal["", "found", "probe"]
SEARCH_FOUND: SearchPlan = "found"
SEARCH_PROBE: SearchPlan = "probe"

FAR_FUTURE = "9999-12-31T23:59:59.999999Z"
DUE = f"coalesce(x.due_at, '{FAR_FUTURE}')"  # must match the inbox index expression (web_0003, web_0004)
KEY_COLUMNS = {"": (), "unit": ("unit",), "type,state": ("type", "state"), "stage": ("stage",)}
PAGE_COLUMNS = ("id", "type", "definition_version", "title", "unit", "state", "stage", "version", "assignee",
                "due_at", "updated_at")
# What a row needs from its snapshot. SQLite cuts the three values out in one small JSON array
# (cheaper than sending the ~4 KB snapshot and parsing it in Python); PostgreSQL sends the snapshot
# itself, because parsing it there costs more than in Python (BENCHMARKS.md).
EXTRAS = {
    "sqlite": "json_extract(c.snapshot, '$.supervision_level', '$.ever_overdue', '$.deadline.yellow_at')",
    "postgresql": "c.snapshot",
}


@dataclass(frozen=True)
class Statement:
    sql: str
    params: dict[str, Any]  # the shape's own values; the caller adds now, source and the cursor


@lru_cache(maxsize=1024)
def page_statement(dialect: str, shape: InboxQuery, with_cursor: bool, limit: int, search: SearchPlan = ""
                   ) -> Statement:
    """The first `limit` rows of the shape in deadline order (after the cursor, if any)."""
    builder = _Builder(dialect, shape, search=search)
    return Statement(builder.page(with_cursor), {**builder.params, "n": limit})


@lru_cache(maxsize=1024)
def counts_statement(dialect: str, shapes: tuple[InboxQuery, ...], cap: int, search: SearchPlan = "") -> Statement:
    """How many rows each shape holds, counting no further than `cap`: one row, a column per shape.

    One statement for all of a page's tabs: a round trip to PostgreSQL costs more than the counting.
    """
    params: dict[str, Any] = {"n": cap}
    columns = []
    for i, shape in enumerate(shapes):
        builder = _Builder(dialect, shape, prefix=f"c{i}_", search=search)
        columns.append(f"({builder.count()}) AS n{i}")
        params.update(builder.params)
    return Statement("SELECT " + ", ".join(columns), params)


def search_hits_statement(dialect: str) -> str:
    """How many cases the words match, up to a cap (`n`): what chooses the plan."""
    search, n = ("%(search)s", "%(n)s") if dialect == "postgresql" else (":search", ":n")
    return f"SELECT count(*) FROM ({FOUND[dialect].format(q=search)} LIMIT {n}) f"


class _Builder:
    """The SQL of one shape; its own values are bound under `prefix` (several shapes share a statement)."""

    def __init__(self, dialect: str, shape: InboxQuery, prefix: str = "", search: SearchPlan = "") -> None:
        self.pg = dialect == "postgresql"
        self.dialect = "postgresql" if self.pg else "sqlite"
        self.shape = shape
        self.prefix = prefix
        self.params: dict[str, Any] = {}
        self.search = search if shape.filt.text else ""

    def ph(self, name: str) -> str:
        """The placeholder of a value the caller binds (now, source, the cursor, n)."""
        return f"%({name})s" if self.pg else f":{name}"

    def bind(self, name: str, value: Any) -> str:
        """Bind one of the shape's own values; its placeholder."""
        self.params[self.prefix + name] = value
        return self.ph(self.prefix + name)

    def bind_list(self, name: str, values: list[str]) -> str:
        """`= ANY(array)` on PostgreSQL; an IN list of placeholders on SQLite."""
        if self.pg:
            return f"= ANY({self.bind(name, values)})"
        return "IN (" + ", ".join(self.bind(f"{name}{i}", v) for i, v in enumerate(values)) + ")"

    # ---- conditions every seek shares ---------------------------------------------------------
    def conditions(self, with_cursor: bool) -> list[str]:
        q, out = self.shape, []
        if q.assignee is not None:
            out.append(f"x.assignee = {self.bind('me', q.assignee)}")
        if q.unassigned:
            out.append("x.assignee IS NULL")
        if q.pairs is not None:
            out.append(self.pair_condition(sorted(q.pairs)))
        if q.own_pairs:  # steps only the assignee may take: the viewer's or unassigned rows only
            out.append(f"(NOT {self.pair_condition(sorted(q.own_pairs), 'own')} OR x.assignee IS NULL "
                       f"OR x.assignee = {self.bind('viewer', q.viewer)})")
        if q.units is not None:
            out.append(f"x.unit {self.bind_list('unit', sorted(q.units))}")
        out += self.light(q.filt.light)
        if q.filt.source:
            out.append(f"{self.json('fields', 'discovery_channel')} = {self.ph('source')}")
        if q.filt.campaign:
            out.append(f"x.campaign = {self.ph('campaign')}")
        if with_cursor:
            out.append(f"({DUE}, x.id) > ({self.ph('after_due')}, {self.ph('after_id')})")
        if self.search == SEARCH_PROBE:
            out.append(PROBE[self.dialect].format(q=self.ph("search")))
        return out

    def key_filter(self) -> list[str]:
        """The seeks' keys as one condition, for a search read from the index (no seeks)."""
        cols, keys = KEY_COLUMNS[self.shape.seek_by], self.shape.keys
        if not cols:
            return []
        if len(cols) == 1:
            return [f"x.{cols[0]} {self.bind_list('key', sorted(k[0] for k in keys))}"]
        return [self.pair_condition(sorted((k[0], k[1]) for k in keys), "key")]

    def found(self, conds: list[str], what: str, ordered: bool, limited: bool) -> str:
        """The search's cases (read from the index), the other conditions applied to each."""
        where = " AND ".join(self.key_filter() + conds) or "1 = 1"
        order = f" ORDER BY {DUE}, x.id" if ordered else ""
        # CROSS JOIN keeps SQLite's join order: from the index's hits to their rows by key.
        return (f"SELECT {what} FROM ({FOUND[self.dialect].format(q=self.ph('search'))}) f "
                f"CROSS JOIN cases x WHERE x.id = f.case_id AND {where}{order}"
                f"{' LIMIT ' + self.ph('n') if limited else ''}")

    def pair_condition(self, pairs: list[tuple[str, str]], name: str = "p") -> str:
        if self.pg:  # one array parameter, whatever the number of pairs
            return f"(x.type || '/' || x.state {self.bind_list(f'{name}air', [f'{t}/{s}' for t, s in pairs])})"
        # SQLite: a row-value IN builds no string per row read (a third faster than the concatenation)
        values = ", ".join(f"({self.bind(f'{name}t{i}', t)}, {self.bind(f'{name}s{i}', s)})"
                           for i, (t, s) in enumerate(pairs))
        return f"((x.type, x.state) IN (VALUES {values}))"

    def light(self, light: str | None) -> list[str]:
        # A closed case has no light (workflow.reporting.queries.light_of), whatever deadline it holds.
        now, yellow, still_open = self.ph("now"), self.json("deadline", "yellow_at"), "x.stage <> 'closed'"
        return {
            "red": [f"{DUE} <= {now}", still_open],
            "yellow": [f"{DUE} > {now}", f"{yellow} <= {now}", still_open],
            "green": ["x.due_at IS NOT NULL", f"{DUE} > {now}", f"({yellow} IS NULL OR {yellow} > {now})", still_open],
            "none": ["(x.due_at IS NULL OR x.stage = 'closed')"],
        }.get(light or "", [])

    def json(self, *path: str) -> str:
        if self.pg:
            return "json_extract_path_text(x.snapshot::json, " + ", ".join(f"'{p}'" for p in path) + ")"
        return f"json_extract(x.snapshot, '$.{'.'.join(path)}')"

    # ---- the seeks ---------------------------------------------------------------------------
    def seek(self, key_conds: list[str], conds: list[str], what: str, ordered: bool, limited: bool) -> str:
        where = " AND ".join(key_conds + conds) or "1 = 1"
        order = f" ORDER BY {DUE}, x.id" if ordered else ""
        return f"SELECT {what} FROM cases x WHERE {where}{order}{' LIMIT ' + self.ph('n') if limited else ''}"

    def seeks(self, conds: list[str], what: str, ordered: bool) -> str:
        """The hits of every seek: (id, due_key) rows, each seek's cut to n if ordered."""
        cols = KEY_COLUMNS[self.shape.seek_by]
        if not cols:
            return self.seek([], conds, what, ordered, ordered)
        if self.pg:  # one LATERAL seek per row of the key arrays
            arrays = [f"{self.bind(f'k{j}', [key[j] for key in self.shape.keys])}::text[]" for j in range(len(cols))]
            # The LIMIT also keeps a count's seeks apart: without it PostgreSQL may turn them into one
            # join that reads every matching row before the cap applies.
            inner = self.seek([f"x.{col} = k.{col}" for col in cols], conds, what, ordered, True)
            return (f"SELECT s.* FROM unnest({', '.join(arrays)}) AS k({', '.join(cols)}) "
                    f"CROSS JOIN LATERAL ({inner}) s")
        branches = []
        for i, key in enumerate(self.shape.keys):
            branch = self.seek([f"x.{col} = {self.bind(f'k{i}_{j}', key[j])}" for j, col in enumerate(cols)], conds,
                               what, ordered, ordered)
            branches.append(f"SELECT * FROM ({branch})" if ordered else branch)
        return " UNION ALL ".join(branches)

    def page(self, with_cursor: bool) -> str:
        if self.search == SEARCH_FOUND:
            hits = self.found(self.conditions(with_cursor), f"x.id, {DUE} AS due_key", ordered=True, limited=True)
        else:
            hits = self.seeks(self.conditions(with_cursor), f"x.id, {DUE} AS due_key", ordered=True)
        n = self.ph("n")
        cols = ", ".join(f"c.{col}" for col in PAGE_COLUMNS)
        extras = EXTRAS["postgresql" if self.pg else "sqlite"]
        return (f"SELECT {cols}, {extras} AS extras, h.due_key "
                f"FROM (SELECT * FROM ({hits}) hits ORDER BY due_key, id LIMIT {n}) h "
                f"JOIN cases c ON c.id = h.id ORDER BY h.due_key, h.id")

    def count(self) -> str:
        if self.search == SEARCH_FOUND:
            hits = self.found(self.conditions(False), "1 AS one", ordered=False, limited=False)
        else:
            hits = self.seeks(self.conditions(False), "1 AS one", ordered=False)
        return f"SELECT count(*) FROM (SELECT * FROM ({hits}) hits LIMIT {self.ph('n')}) capped"
