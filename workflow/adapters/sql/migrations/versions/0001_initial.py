"""Initial schema: units, users, definitions, the append-only case_events log and the cases read model.

Revision ID: 0001
Revises:
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TIME = sa.String(32)
SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

SQLITE_GUARDS = [
    "CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events "
    "BEGIN SELECT RAISE(ABORT, 'case_events is append-only'); END",
    "CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events "
    "BEGIN SELECT RAISE(ABORT, 'case_events is append-only'); END",
]
POSTGRES_GUARDS = [
    "CREATE FUNCTION rectiflow_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'case_events is append-only'; END $$",
    "CREATE TRIGGER case_events_no_update BEFORE UPDATE OR DELETE ON case_events "
    "FOR EACH ROW EXECUTE FUNCTION rectiflow_append_only()",
    "CREATE TRIGGER case_events_no_truncate BEFORE TRUNCATE ON case_events "
    "FOR EACH STATEMENT EXECUTE FUNCTION rectiflow_append_only()",
]


def upgrade() -> None:
    op.create_table(
        "units",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("parent", sa.String(64), sa.ForeignKey("units.code"), nullable=True),
    )
    op.create_table(
        "users",
        sa.Column("login", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("unit", sa.String(64), sa.ForeignKey("units.code"), nullable=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("session_token", sa.String(64), nullable=False),
    )
    op.create_table(
        "definitions",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("loaded_at", TIME, nullable=False),
    )
    op.create_table(
        "case_events",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("at", TIME, nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("from_state", sa.String(64), nullable=True),
        sa.Column("to_state", sa.String(64), nullable=True),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("definition", sa.String(64), nullable=False),
        sa.Column("definition_version", sa.Integer, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("case_id", "version", name="uq_case_events_case_version"),
    )
    op.create_index("ix_case_events_at", "case_events", ["at"])
    op.create_table(
        "cases",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("definition_version", sa.Integer, nullable=False),
        sa.Column("title", sa.String(400), nullable=False),
        sa.Column("unit", sa.String(64), nullable=False),
        sa.Column("state", sa.String(64), nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("assignee", sa.String(64), nullable=True),
        sa.Column("opened_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.Column("due_at", TIME, nullable=True),
        sa.Column("snapshot", sa.Text, nullable=False),
    )
    op.create_index("ix_cases_unit_stage", "cases", ["unit", "stage"])
    op.create_index("ix_cases_assignee", "cases", ["assignee"])
    op.create_index("ix_cases_type_state", "cases", ["type", "state"])
    op.create_index("ix_cases_due_at", "cases", ["due_at"])
    guards = POSTGRES_GUARDS if op.get_bind().dialect.name == "postgresql" else SQLITE_GUARDS
    for statement in guards:
        op.execute(statement)


def downgrade() -> None:
    raise RuntimeError("the audit log is never dropped by a migration")
