"""Battle map: the case timeline (workflow.adapters.sql.timeline), backfilled from the event log.

One row per change of what the battle map shows of a case, valid from its event's instant until
the next row's. Indexes, each covering every column the as-of query reads:

* by validity end, then start — province- or county-wide "as of T" reads only the rows still valid
  after T (the current ones plus those that changed since);
* by unit, then validity — a unit's battle map seeks its units only.

Revision ID: dash_0001
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "dash_0001"
down_revision = "0001"
branch_labels = None
depends_on = None

TIME = sa.String(32)
COVERED = "type, state, definition_version, due_at, yellow_at, late"


def upgrade() -> None:
    op.create_table(
        "case_timeline",
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("valid_from", TIME, nullable=False),
        sa.Column("valid_to", TIME, nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("definition_version", sa.Integer, nullable=False),
        sa.Column("state", sa.String(64), nullable=False),
        sa.Column("unit", sa.String(64), nullable=False),
        sa.Column("due_at", TIME, nullable=True),
        sa.Column("yellow_at", TIME, nullable=True),
        sa.Column("late", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("case_id", "version", name="pk_case_timeline"),
    )
    # Backfill before indexing: one bulk index build instead of index upkeep on every inserted row.
    from workflow.adapters.sql.timeline import rebuild

    rebuild(op.get_bind())
    op.execute(f"CREATE INDEX ix_case_timeline_as_of ON case_timeline (valid_to, valid_from, unit, {COVERED})")
    op.execute(f"CREATE INDEX ix_case_timeline_unit ON case_timeline (unit, valid_to, valid_from, {COVERED})")


def downgrade() -> None:
    op.drop_table("case_timeline")
