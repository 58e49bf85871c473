"""The problem ledger: cases.ledger_no (a case's 问题编号), unique per case type.

`rectiflow ledger import` recognises a row it imported before by (case type, 问题编号). The column
is the `ledger_no` field of the case's snapshot, written with every case row (the read model); no
case had the field before this revision, so there is nothing to fill in. NULLs never collide in a
unique index, on SQLite as on PostgreSQL.

Revision ID: ledger_0001
Revises: web_0004
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "ledger_0001"
down_revision = "web_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (no batch copy of the cases table) on both databases: NULL for every existing case.
    op.add_column("cases", sa.Column("ledger_no", sa.String(64), nullable=True))
    op.create_index("ux_cases_type_ledger_no", "cases", ["type", "ledger_no"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_cases_type_ledger_no", table_name="cases")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("ledger_no")
