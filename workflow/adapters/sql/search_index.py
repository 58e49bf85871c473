"""The keyword-search index of cases on SQLite (FTS5) and PostgreSQL (tsvector + GIN), and how it is asked.

The terms come from workflow.search_terms (overlapping CJK bigrams, ASCII words, the final unigram of
each CJK run — see there why), so both databases store and match the same thing:

* SQLite: `case_search`, an FTS5 table (unicode61 tokenizer) holding the terms as space-separated
  text, and `case_search_docs` mapping its integer rowid to the case id (an FTS5 row is found by
  rowid only; a case id look-up there would scan the table). A query is an FTS5 phrase. The FTS5
  rowid (the document number) is the case row's own `rowid`, which every entry of the inbox
  indexes carries: a walk tests "does this case match" against the set of matching rowids
  without reading anything but the index entry (`collect_hits`, PROBE). SQLite keeps a rowid
  through UPDATE; a VACUUM may renumber the rowids of a table without an INTEGER PRIMARY KEY,
  so after one the index must be filled again (`fill`).
* PostgreSQL: `case_search(case_id, terms tsvector)` with a GIN index. The tsvector and tsquery are
  written as literals built from the terms (no text-search parser runs, so no configuration or
  locale changes what Chinese text becomes); a query is a `<->` phrase.

Rows are written in the transaction that changes a case's searchable text (SqlTx.insert_case /
update_case); migration search_0001 creates the tables and fills them for existing cases.
"""
from __future__ import annotations

import json

import yaml
from sqlalchemy import Connection, text

from workflow.adapters.sql import driver_sql
from workflow.search_terms import SearchQuery, document_terms, searchable_texts, text_fields

BATCH = 2000

# What a search matches, as case ids; `{q}` is the placeholder of the match expression.
FOUND = {
    "sqlite": "SELECT d.case_id FROM case_search s JOIN case_search_docs d ON d.doc = s.rowid "
              "WHERE case_search MATCH {q}",
    "postgresql": "SELECT s.case_id FROM case_search s WHERE s.terms @@ CAST({q} AS tsquery)",
}
# Whether the case `x` matches, tested on each row a walk reads (walks in deadline order over common
# words); `{q}` is the match expression. SQLite: membership of the row's rowid in the matches' rowids,
# collected once per request into a temporary table (`collect_hits`; FTS5 3.40 runs the whole phrase
# query for a MATCH restricted to one rowid, 0.3 to 7 ms each, and reading each row's stored terms
# cost a look-up per row: a walk through rows holding none of the words read them all). The `+`
# keeps SQLite from driving the walk from the set (reading every matching case) instead of the index.
PROBE = {
    "sqlite": "+x.rowid IN temp.search_hits",
    # PostgreSQL: the row's tsvector by primary key, as a scalar subquery — PostgreSQL turns an EXISTS
    # into a semi-join, and with its (far too low) estimate of a phrase's matches it chose hash joins
    # that read every match once per seek (537 ms for an empty count, EXPLAIN ANALYZE); this is ~13 µs a row.
    "postgresql": "coalesce((SELECT s.terms @@ CAST({q} AS tsquery) FROM case_search s WHERE s.case_id = x.id), "
                  "false)",
}


def _quoted(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def document_value(dialect: str, terms: list[str]) -> str:
    """What is stored for a case: FTS5 text, or a tsvector literal with positions."""
    if dialect == "postgresql":
        return " ".join(f"{_quoted(term)}:{i}" for i, term in enumerate(terms, 1))
    return " ".join(terms)


def match_value(dialect: str, query: SearchQuery) -> str:
    """The match expression of a query: an FTS5 phrase, or a tsquery literal of a `<->` phrase."""
    if dialect == "postgresql":
        parts = [_quoted(term) for term in query.terms]
        if query.prefix:
            parts[-1] += ":*"
        return " <-> ".join(parts)
    # FTS5: the terms hold only letters and digits (and never a double quote).
    return '"' + " ".join(query.terms) + '"' + ("*" if query.prefix else "")


def collect_hits(conn: Connection, match: str) -> int:
    """SQLite: the rowids of the cases the match expression matches, into `temp.search_hits` (PROBE).

    Per connection (a temporary table is the connection's own) and replaced on each call; the number
    of rows. Reading the index's rowids costs ~0.2 µs a match (15 ms CPU for 75,000, BENCHMARKS.md).
    """
    driver_sql.run(conn, "CREATE TEMP TABLE IF NOT EXISTS search_hits (doc INTEGER PRIMARY KEY)", ())
    driver_sql.run(conn, "DELETE FROM temp.search_hits", ())
    driver_sql.run(conn, "INSERT INTO temp.search_hits SELECT rowid FROM case_search WHERE case_search MATCH ?",
                   (match,))
    row = driver_sql.first(conn, "SELECT count(*) FROM temp.search_hits", ())
    return int(row[0]) if row else 0


def write(conn: Connection, case_id: str, terms: list[str], *, new: bool) -> None:
    """Store the case's terms (replacing what was there), in the caller's transaction."""
    dialect = conn.dialect.name
    value = document_value(dialect, terms)
    if dialect == "postgresql":
        driver_sql.run(conn, "INSERT INTO case_search (case_id, terms) VALUES (%s, CAST(%s AS tsvector)) "
                             "ON CONFLICT (case_id) DO UPDATE SET terms = EXCLUDED.terms", (case_id, value))
        return
    found = None if new else driver_sql.first(conn, "SELECT doc FROM case_search_docs WHERE case_id = ?", (case_id,))
    if found is not None:
        driver_sql.run(conn, "UPDATE case_search SET body = ? WHERE rowid = ?", (value, found[0]))
        return
    # The document number is the case row's rowid (PROBE): the case row is written first.
    row = driver_sql.first(conn, "INSERT INTO case_search_docs (doc, case_id) SELECT rowid, id FROM cases "
                                 "WHERE id = ? RETURNING doc", (case_id,))
    assert row is not None
    driver_sql.run(conn, "INSERT INTO case_search (rowid, body) VALUES (?, ?)", (row[0], value))


def fill(conn: Connection) -> int:
    """Index every case into the (empty) index: migration search_0001, and bulk-loaded benchmark databases.

    The free-text fields come from the stored definition of each case's version; the number of cases indexed.
    On SQLite each document is numbered by its case row's rowid (see the module docstring).
    """
    names: dict[tuple[str, int], tuple[str, ...]] = {}
    for name, version, body in conn.execute(text("SELECT name, version, text FROM definitions")):
        names[(name, int(version))] = text_fields((yaml.safe_load(body) or {}).get("fields") or {})
    pg = conn.dialect.name == "postgresql"
    insert = ("INSERT INTO case_search (case_id, terms) VALUES (%(id)s, CAST(%(value)s AS tsvector))" if pg else
              "INSERT INTO case_search_docs (doc, case_id) VALUES (:doc, :id)")
    last, done = "", 0
    rowid = "NULL" if pg else "rowid"
    while True:
        rows = conn.execute(text(f"SELECT id, type, definition_version, title, snapshot, {rowid} FROM cases "
                                 "WHERE id > :last ORDER BY id LIMIT :n"), {"last": last, "n": BATCH}).all()
        if not rows:
            return done
        batch = []
        for case_id, case_type, version, title, snapshot, doc in rows:
            done += 1
            fields = json.loads(snapshot).get("fields") or {}
            texts = searchable_texts(title, fields, names.get((case_type, int(version)), ()))
            batch.append({"doc": doc, "id": case_id,
                          "value": document_value(conn.dialect.name, document_terms(texts))})
        conn.exec_driver_sql(insert, batch)
        if not pg:
            conn.exec_driver_sql("INSERT INTO case_search (rowid, body) VALUES (:doc, :value)", batch)
        last = rows[-1][0]
