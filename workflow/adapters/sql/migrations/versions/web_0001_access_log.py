"""Web UI: the append-only access log (logins, confidential views, exports) and the inbox indexes.

The access log is separate from case_events on purpose: looking at a case must not bump its
version or change its hash chain, yet every view of a confidential case is recorded and can
never be edited (database triggers refuse UPDATE and DELETE, as on case_events).

The indexes serve the inbox read model: every inbox query is a union of index seeks on
(type, state) or (unit, type, state), (unit, assignee, stage) or (assignee, stage), ordered by
the deadline with NULL (no deadline) sorting last as a fixed far-future instant.

Revision ID: web_0001
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "web_0001"
down_revision = "0001"
branch_labels = None
depends_on = None

TIME = sa.String(32)
SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# Must match workflow.adapters.sql.sqlqueries.DUE_KEY exactly, or the indexes are not used.
DUE_KEY = "coalesce(due_at, '9999-12-31T23:59:59.999999Z')"

SQLITE_GUARDS = [
    "CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log "
    "BEGIN SELECT RAISE(ABORT, 'access_log is append-only'); END",
    "CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log "
    "BEGIN SELECT RAISE(ABORT, 'access_log is append-only'); END",
]
POSTGRES_GUARDS = [
    "CREATE FUNCTION rectiflow_access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'access_log is append-only'; END $$",
    "CREATE TRIGGER access_log_no_update BEFORE UPDATE OR DELETE ON access_log "
    "FOR EACH ROW EXECUTE FUNCTION rectiflow_access_log_append_only()",
    "CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION rectiflow_access_log_append_only()",
]
INDEXES = {
    "ix_cases_inbox_type_state": f"type, state, {DUE_KEY}, id",
    "ix_cases_inbox_unit_type_state": f"unit, type, state, {DUE_KEY}, id",
    "ix_cases_inbox_unit_queue": f"unit, assignee, stage, {DUE_KEY}, id",
    "ix_cases_inbox_assignee_stage": f"assignee, stage, {DUE_KEY}, id",
}


def upgrade() -> None:
    op.create_table(
        "access_log",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("at", TIME, nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("case_id", sa.String(40), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_index("ix_access_log_actor_action_at", "access_log", ["actor", "action", "at"])
    op.create_index("ix_access_log_ip_action_at", "access_log", ["ip", "action", "at"])
    op.create_index("ix_access_log_case", "access_log", ["case_id", "seq"])
    op.create_index("ix_access_log_at", "access_log", ["at"])
    for name, columns in INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON cases ({columns})")
    guards = POSTGRES_GUARDS if op.get_bind().dialect.name == "postgresql" else SQLITE_GUARDS
    for statement in guards:
        op.execute(statement)


def downgrade() -> None:
    raise RuntimeError("the access log is never dropped by a migration")
