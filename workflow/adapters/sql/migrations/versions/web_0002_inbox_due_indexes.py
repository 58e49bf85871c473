"""Web UI: covering, deadline-ordered inbox indexes.

Each index leads with the columns an inbox seeks on, then the deadline key and id (the page order),
then type and state, so the residual "is this (type, state) wanted?" test and the capped counts
are answered from the index alone, without reading case rows.

* by unit (or county-wide) in deadline order — the "all cases" and "overdue" tabs;
* by assignee, type and state — a handler's to-do;
* the unit queue (unassigned, by stage) — recreated from web_0001 with type and state appended.

Revision ID: web_0002
Revises: web_0001
"""
from __future__ import annotations

from alembic import op

revision = "web_0002"
down_revision = "web_0001"
branch_labels = None
depends_on = None

# Must match workflow.adapters.sql.sqlqueries.DUE_KEY exactly, or the indexes are not used.
DUE_KEY = "coalesce(due_at, '9999-12-31T23:59:59.999999Z')"
REPLACED = ("ix_cases_inbox_unit_queue", "ix_cases_inbox_assignee_stage")
INDEXES = {
    "ix_cases_inbox_unit_due": f"unit, {DUE_KEY}, id, type, state",
    "ix_cases_inbox_due": f"{DUE_KEY}, id, type, state",
    "ix_cases_inbox_assignee_type_state": f"assignee, type, state, {DUE_KEY}, id",
    "ix_cases_inbox_queue": f"unit, assignee, stage, {DUE_KEY}, id, type, state",
    "ix_cases_inbox_queue_all": f"assignee, stage, {DUE_KEY}, id, type, state",
}


def upgrade() -> None:
    for name in REPLACED:
        op.execute(f"DROP INDEX {name}")
    for name, columns in INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON cases ({columns})")


def downgrade() -> None:
    raise RuntimeError("inbox indexes are not downgraded")
