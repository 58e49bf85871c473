"""PostgreSQL: the inbox's walk keys as terms of the keyword index, so one GIN read answers "has these words and is
in this tab".

Why. A keyword search chose between reading the words' matches (cost ∝ matches) and walking the tab's
seeks in deadline order testing each row (cost ∝ rows walked). A word in thousands of cases, asked
by a county- or province-wide user, made both slow: many matches, and seeks that hold none of them
walked all their rows (BENCHMARKS.md, "Keyword search"). With the case's unit, (type, state), stage
and assignee stored as terms beside its words, the index gives the intersection itself: the tab's
count, and whether its matches are few enough to read and sort, is one index read.

Each case's tsvector carries, beside its words, four key lexemes (no positions): `KEY + kind +
hex(UTF-8 of the value)` for the unit (u), "type/state" (p), stage (s), and the assignee (a) or
`KEY + "n"` when unassigned. KEY is a private-use character: search_terms never makes a term of it
(it is not a letter or digit), so no query, not even a one-character prefix, can match a key term.

The keys are written with the words (search_index.write / fill read them from the case row) and
follow every change of those columns through a trigger on `cases` (migration search_0002), in the
same transaction as the change.

SQLite keeps its index without keys: the same design on FTS5 (key tokens in each document, a trigger
rewriting the document) was built and measured, and cost more CPU than it saved — FTS5 reads the
whole doclist of every key token a query names (a tab's units or (type, state) pairs cover most
cases), with no skipping like GIN's; even a search matching nothing cost 5–10 ms instead of 0.5–1
(BENCHMARKS.md). The inbox applies every condition to the case row as before: the
key terms only narrow what is read, so a stale key could hide a case but never show one outside the
user's tab or scope.
"""
from __future__ import annotations

from workflow.read_side import InboxQuery

KEY = "\ue001"
NONE = KEY + "n"  # no assignee
COLUMNS = ("unit", "type", "state", "stage", "assignee")


def quoted(term: str) -> str:
    """A term as a tsvector / tsquery literal."""
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def key(kind: str, value: str) -> str:
    """One key term; the SQL below computes the same text from a case row."""
    return KEY + kind + value.encode("utf-8").hex()


def _hex(expr: str) -> str:
    return f"encode(convert_to(coalesce({expr}, ''), 'UTF8'), 'hex')"


def keys_sql(row: str) -> str:
    """The key terms of the case row `row` (an alias, "" for bare column names) as a text[] expression."""
    c = {name: f"{row}.{name}" if row else name for name in COLUMNS}
    pair = c["type"] + " || '/' || " + c["state"]
    k = "chr(57345)"
    return (f"ARRAY[{k} || 'u' || {_hex(c['unit'])}, {k} || 'p' || {_hex(pair)}, {k} || 's' || {_hex(c['stage'])}, "
            f"CASE WHEN {c['assignee']} IS NULL THEN {k} || 'n' ELSE {k} || 'a' || {_hex(c['assignee'])} END]")


def _groups(shape: InboxQuery) -> list[list[str]]:
    """The shape's conditions that key terms express, as an AND of ORs (the rest stays on the case row)."""
    groups: list[list[str]] = []
    seek = shape.seek_by
    if seek == "unit":
        groups.append([key("u", k[0]) for k in shape.keys])
    elif seek == "type,state":
        groups.append([key("p", f"{k[0]}/{k[1]}") for k in shape.keys])
    elif seek == "stage":
        groups.append([key("s", k[0]) for k in shape.keys])
    if shape.assignee is not None:
        groups.append([key("a", shape.assignee)])
    if shape.unassigned:
        groups.append([NONE])
    if shape.pairs is not None and seek != "type,state":
        groups.append([key("p", f"{t}/{s}") for t, s in sorted(shape.pairs)])
    if shape.units is not None and seek != "unit":
        groups.append([key("u", u) for u in sorted(shape.units)])
    return [sorted(set(g)) for g in groups if g]


def key_query(shape: InboxQuery) -> str | None:
    """The shape's key terms as a tsquery to AND with the words' (None: no condition)."""
    groups = _groups(shape)
    if not groups:
        return None
    return " & ".join("(" + " | ".join(quoted(t) for t in g) + ")" for g in groups)


# Migration search_0002: the trigger that keeps the key terms with the case row.
DDL = (
    "CREATE FUNCTION case_search_keys(unit text, type text, state text, stage text, assignee text) "
    "RETURNS text[] LANGUAGE sql IMMUTABLE AS $$ SELECT " + keys_sql("") + " $$",
    "CREATE FUNCTION case_search_follow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "UPDATE case_search SET terms = ts_delete(terms, case_search_keys(OLD.unit, OLD.type, OLD.state, OLD.stage, "
    "OLD.assignee)) || array_to_tsvector(case_search_keys(NEW.unit, NEW.type, NEW.state, NEW.stage, NEW.assignee)) "
    "WHERE case_id = NEW.id; RETURN NULL; END $$",
    "CREATE TRIGGER case_search_follow AFTER UPDATE OF " + ", ".join(COLUMNS) + " ON cases FOR EACH ROW WHEN ("
    + " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in COLUMNS) + ") EXECUTE FUNCTION case_search_follow()",
)
DROP = ("DROP TRIGGER IF EXISTS case_search_follow ON cases", "DROP FUNCTION IF EXISTS case_search_follow()",
        "DROP FUNCTION IF EXISTS case_search_keys(text, text, text, text, text)")
