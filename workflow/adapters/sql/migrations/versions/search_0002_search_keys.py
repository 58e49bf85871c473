"""Keyword search on PostgreSQL: the inbox's walk keys (unit, type/state, stage, assignee) as terms of every
case's tsvector, kept with the case row by a trigger (workflow.adapters.sql.search_keys says why; SQLite's
index is unchanged).

The index is built again for existing cases (their words and keys), then the trigger follows every change
of those columns in the changing transaction.

Revision ID: search_0002
Revises: entity_0001
"""
from __future__ import annotations

from alembic import op

from workflow.adapters.sql import search_index, search_keys

revision = "search_0002"
down_revision = "entity_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_case_search_terms")  # refilled then indexed once: faster than row by row
    op.execute("DELETE FROM case_search")
    search_index.fill(conn)
    op.execute("CREATE INDEX ix_case_search_terms ON case_search USING gin (terms)")
    for ddl in search_keys.DDL:
        op.execute(ddl)


def downgrade() -> None:
    # The key terms stay in the documents: no query of search_0001's code can match them.
    if op.get_bind().dialect.name == "postgresql":
        for ddl in search_keys.DROP:
            op.execute(ddl)
