"""The Merkle log's frontier: what the sequencer needs to go on without rereading the log.

Each sequencer run that appends to `log_entries` (or learns that more records are settled) adds a
row in the same transaction: the log's size, the RFC 6962 right-edge nodes of its tree at that size
(`workflow.audit.merkle.RootBuilder.frontier`, hex, largest subtree first) — so a checkpoint's root
costs O(log n) and the next run's appends O(new) — and the two watermarks: every committed case event
with seq ≤ `event_mark` (access-log row with seq ≤ `access_mark`) is in the log, so the next run
looks only above them. Append-only like the log itself. Logs sequenced before this revision get
their first row on the next run (one pass over the stored leaves).

Revision ID: audit_frontier_0001
Revises: audit_0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "audit_frontier_0001"
down_revision = "audit_0001"
branch_labels = None
depends_on = None

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TABLE = "log_frontier"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", SEQ, primary_key=True, autoincrement=True),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("nodes", sa.Text, nullable=False),  # hex, 64 characters per node, largest subtree first
        sa.Column("event_mark", sa.BigInteger, nullable=False),
        sa.Column("access_mark", sa.BigInteger, nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE FUNCTION rectiflow_{TABLE}_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                   f"$$ BEGIN RAISE EXCEPTION '{TABLE} is append-only'; END $$")
        op.execute(f"CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE OR DELETE ON {TABLE} "
                   f"FOR EACH ROW EXECUTE FUNCTION rectiflow_{TABLE}_append_only()")
        op.execute(f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION rectiflow_{TABLE}_append_only()")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {TABLE}_no_{verb.lower()} BEFORE {verb} ON {TABLE} "
                       f"BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only'); END")


def downgrade() -> None:
    raise RuntimeError("the Merkle log is never dropped by a migration")
