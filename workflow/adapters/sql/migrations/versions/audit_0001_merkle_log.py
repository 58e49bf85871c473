"""The Merkle log: one append-only sequence over every audit record, its checkpoints, the deployment id.

`log_entries` gives every case event and every access-log row a position (assigned by the sequencer,
workflow.adapters.sql.merkle_log, only to committed records) and the RFC 6962 leaf hash of the record
as it was then; `log_checkpoints` keeps the signed checkpoints (C2SP signed notes); `audit_meta`
holds this deployment's id, the second half of the log's origin `rectiflow/<deployment id>`,
chosen once here. All three refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) like case_events.

Revision ID: audit_0001
Revises: 0001
"""
from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "audit_0001"
down_revision = "0001"
branch_labels = None
depends_on = None

TIME = sa.String(32)
SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TABLES = ("log_entries", "log_checkpoints", "audit_meta")


def _sqlite_guards(table: str) -> list[str]:
    return [f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END" for verb in ("UPDATE", "DELETE")]


def _postgres_guards(table: str) -> list[str]:
    return [
        f"CREATE FUNCTION rectiflow_{table}_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN RAISE EXCEPTION '{table} is append-only'; END $$",
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION rectiflow_{table}_append_only()",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION rectiflow_{table}_append_only()",
    ]


def upgrade() -> None:
    op.create_table(
        "log_entries",
        sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(8), nullable=False),  # 'event' or 'access'
        sa.Column("case_id", sa.String(40), nullable=True),
        sa.Column("version", sa.Integer, nullable=True),
        sa.Column("access_seq", SEQ, nullable=True),
        sa.Column("leaf", sa.String(64), nullable=False),  # hex RFC 6962 leaf hash
        sa.UniqueConstraint("case_id", "version", name="uq_log_entries_event"),
        sa.UniqueConstraint("access_seq", name="uq_log_entries_access"),
    )
    op.create_table(
        "log_checkpoints",
        sa.Column("id", SEQ, primary_key=True, autoincrement=True),
        sa.Column("origin", sa.String(200), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("root", sa.String(64), nullable=False),  # base64, as in the note
        sa.Column("at", TIME, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
    )
    op.create_table(
        "audit_meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(200), nullable=False),
    )
    op.execute(sa.text("INSERT INTO audit_meta (key, value) VALUES ('deployment_id', :v)").bindparams(
        v=uuid.uuid4().hex[:16]))
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in TABLES:
        for statement in (_postgres_guards(table) if postgres else _sqlite_guards(table)):
            op.execute(statement)


def downgrade() -> None:
    raise RuntimeError("the Merkle log is never dropped by a migration")
