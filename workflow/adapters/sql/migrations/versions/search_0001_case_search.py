"""Keyword search: the case_search index (FTS5 on SQLite, tsvector + GIN on PostgreSQL), filled for every case.

The index's terms are workflow.search_terms' (CJK bigrams, ASCII words, final unigrams) of a case's
title and free-text fields; workflow.adapters.sql.search_index says how each database keeps them.
Existing cases are indexed here from their snapshots and the stored definition of their version.

Revision ID: search_0001
Revises: ledger_0001
"""
from __future__ import annotations

from alembic import op

from workflow.adapters.sql import search_index

revision = "search_0001"
down_revision = "ledger_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        op.execute("CREATE TABLE case_search (case_id VARCHAR(40) PRIMARY KEY REFERENCES cases (id), "
                   "terms tsvector NOT NULL)")
    else:
        op.execute("CREATE TABLE case_search_docs (doc INTEGER PRIMARY KEY, "
                   "case_id VARCHAR(40) NOT NULL UNIQUE REFERENCES cases (id))")
        op.execute("CREATE VIRTUAL TABLE case_search USING fts5(body, tokenize = 'unicode61 remove_diacritics 0')")
    search_index.fill(conn)
    if conn.dialect.name == "postgresql":  # built once after the fill: faster than growing it row by row
        op.execute("CREATE INDEX ix_case_search_terms ON case_search USING gin (terms)")


def downgrade() -> None:
    op.execute("DROP TABLE case_search")
    op.execute("DROP TABLE IF EXISTS case_search_docs")
