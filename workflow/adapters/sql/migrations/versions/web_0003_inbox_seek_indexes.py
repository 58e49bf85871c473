"""Web UI: the inbox indexes for seeks per unit, per (type, state) and per (assignee, stage).

The inbox (workflow.reporting.queries.build_inbox_query) seeks on one key and walks the rows in deadline
order, testing (type, state), unit and assignee on the index entry itself; only the final page's
rows are read from the table. Four covering indexes serve every tab:

* by unit — a viewer limited to some units (one seek per unit);
* by (type, state) — a viewer of every unit, one seek per wanted pair;
* by assignee and stage — a handler's to-do (their login) and the queue of every unit (no assignee);
* by deadline alone — every case, for a viewer who wants every pair.

Each holds only the columns its seeks test: an index that also held the assignee, say, would look
as good as the assignee index to PostgreSQL's planner for the queue, and is not.

They replace the nine inbox indexes of web_0001 and web_0002 (fewer indexes for every case write to
keep up to date). Databases made while web_0002 listed other indexes hold a different subset of
those, so each is dropped only if it exists.

Revision ID: web_0003
Revises: web_0002
"""
from __future__ import annotations

from alembic import op

revision = "web_0003"
down_revision = "web_0002"
branch_labels = None
depends_on = None

# Must match workflow.adapters.sql.inbox_sql.DUE exactly (up to the table alias), or the indexes are not used.
DUE_KEY = "coalesce(due_at, '9999-12-31T23:59:59.999999Z')"
REPLACED = (
    "ix_cases_inbox_type_state", "ix_cases_inbox_unit_type_state", "ix_cases_inbox_unit_queue",
    "ix_cases_inbox_assignee_stage", "ix_cases_inbox_unit_due", "ix_cases_inbox_due",
    "ix_cases_inbox_assignee_type_state", "ix_cases_inbox_queue", "ix_cases_inbox_queue_all",
)
INDEXES = {
    "ix_cases_inbox_by_unit": f"unit, {DUE_KEY}, id, type, state, assignee",
    "ix_cases_inbox_by_pair": f"type, state, {DUE_KEY}, id",
    "ix_cases_inbox_by_assignee": f"assignee, stage, {DUE_KEY}, id, type, state, unit",
    # Partial: PostgreSQL does not take `assignee IS NULL` as fixing the leading column, so on the index
    # above it would not see the rows come in deadline order.
    "ix_cases_inbox_unassigned": f"stage, {DUE_KEY}, id, type, state",
    "ix_cases_inbox_by_due": f"{DUE_KEY}, id",
}
PARTIAL = {"ix_cases_inbox_unassigned": "assignee IS NULL"}


def upgrade() -> None:
    for name in REPLACED:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    for name, columns in INDEXES.items():
        where = f" WHERE {PARTIAL[name]}" if name in PARTIAL else ""
        op.execute(f"CREATE INDEX {name} ON cases ({columns}){where}")


def downgrade() -> None:
    raise RuntimeError("inbox indexes are not downgraded")
