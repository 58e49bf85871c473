"""Witnessing: the witness keys the audit administrator registered, and the cosignatures brought back.

`witness_keys` holds each witness's public key (a C2SP vkey of type 0x04) with who registered it and
when; `log_cosignatures` each accepted cosignature of a stored checkpoint (the whole cosigned note is
kept, so anyone can check it again). Both are append-only like the log itself: UPDATE and DELETE (and
TRUNCATE on PostgreSQL) are refused.

Revision ID: audit_0002
Revises: audit_0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "audit_0002"
down_revision = "audit_0001"
branch_labels = None
depends_on = None

TIME = sa.String(32)
SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TABLES = ("witness_keys", "log_cosignatures")


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
        "witness_keys",
        sa.Column("id", SEQ, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("key_id", sa.String(8), nullable=False, unique=True),  # hex
        sa.Column("vkey", sa.String(400), nullable=False),
        sa.Column("registered_by", sa.String(64), nullable=False),
        sa.Column("registered_at", TIME, nullable=False),
    )
    op.create_table(
        "log_cosignatures",
        sa.Column("id", SEQ, primary_key=True, autoincrement=True),
        sa.Column("checkpoint_id", SEQ, sa.ForeignKey("log_checkpoints.id"), nullable=False),
        sa.Column("witness", sa.String(200), nullable=False),
        sa.Column("key_id", sa.String(8), nullable=False),
        sa.Column("cosigned_at", sa.BigInteger, nullable=False),  # the cosignature's POSIX timestamp
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("uploaded_by", sa.String(64), nullable=False),
        sa.Column("uploaded_at", TIME, nullable=False),
        sa.UniqueConstraint("checkpoint_id", "key_id", name="uq_log_cosignatures_witness"),
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in TABLES:
        for statement in (_postgres_guards(table) if postgres else _sqlite_guards(table)):
            op.execute(statement)


def downgrade() -> None:
    raise RuntimeError("witness records are never dropped by a migration")
