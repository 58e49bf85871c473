"""Web UI: the inbox indexes of web_0003 also hold due_at, so a seek never reads the table.

The seeks return the deadline key `coalesce(due_at, <far future>)` of each row they keep (the page
merges the seeks on it). SQLite (3.40) and PostgreSQL can order by the indexed expression but cannot
return its value from the index alone: without the column itself each kept row was read from the
table — at a million cases, mostly from disk. Same indexes otherwise.

Revision ID: web_0004
Revises: web_0003
"""
from __future__ import annotations

from alembic import op

revision = "web_0004"
down_revision = "web_0003"
branch_labels = None
depends_on = None

# Must match workflow.adapters.sql.inbox_sql.DUE exactly (up to the table alias), or the indexes are not used.
DUE_KEY = "coalesce(due_at, '9999-12-31T23:59:59.999999Z')"
INDEXES = {
    "ix_cases_inbox_by_unit": f"unit, {DUE_KEY}, id, type, state, assignee, due_at",
    "ix_cases_inbox_by_pair": f"type, state, {DUE_KEY}, id, due_at",
    "ix_cases_inbox_by_assignee": f"assignee, stage, {DUE_KEY}, id, type, state, unit, due_at",
    "ix_cases_inbox_unassigned": f"stage, {DUE_KEY}, id, type, state, due_at",
    "ix_cases_inbox_by_due": f"{DUE_KEY}, id, due_at",
}
PARTIAL = {"ix_cases_inbox_unassigned": "assignee IS NULL"}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.execute(f"DROP INDEX IF EXISTS {name}")
        where = f" WHERE {PARTIAL[name]}" if name in PARTIAL else ""
        op.execute(f"CREATE INDEX {name} ON cases ({columns}){where}")


def downgrade() -> None:
    raise RuntimeError("inbox indexes are not downgraded")
