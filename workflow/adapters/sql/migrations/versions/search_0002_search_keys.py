"""Keyword search: the inbox's walk keys (unit, type/state, stage, assignee) as terms of every case's index
document, kept with the case row by a trigger (workflow.adapters.sql.search_keys says why).

The index is built again for existing cases (their words and keys), then the trigger follows every change
of those columns in the changing transaction. A later migration that copies the `cases` table on SQLite
(a batch alter) must create the trigger again: SQLite drops a table's triggers with it.

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
    pg = conn.dialect.name == "postgresql"
    if pg:  # refilled then indexed once: faster than updating the GIN index row by row
        op.execute("DROP INDEX ix_case_search_terms")
        op.execute("DELETE FROM case_search")
    else:
        op.execute("DELETE FROM case_search")
        op.execute("DELETE FROM case_search_docs")
    search_index.fill(conn)
    if pg:
        op.execute("CREATE INDEX ix_case_search_terms ON case_search USING gin (terms)")
    for ddl in search_keys.PG_DDL if pg else search_keys.SQLITE_DDL:
        op.execute(ddl)


def downgrade() -> None:
    # The key terms stay in the documents: no query of search_0001's code can match them.
    for ddl in search_keys.PG_DROP if op.get_bind().dialect.name == "postgresql" else search_keys.SQLITE_DROP:
        op.execute(ddl)
