"""Campaigns as entities: cases.campaign, the campaign (plan key) a case belongs to.

Set at intake (the `opened` event's payload carries it, so a replay knows it) and never changed; NULL for
a case outside every campaign. Cases opened before this revision stay NULL (their `opened` events name no
campaign, and the column is what a replay of them gives); a plan's measure cases still keep their plan's
key in their `campaign` field and in the campaign → measure → case map.

Revision ID: entity_0001
Revises: search_0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "entity_0001"
down_revision = "search_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (no batch copy of the cases table) on both databases: NULL for every existing case.
    op.add_column("cases", sa.Column("campaign", sa.String(64), nullable=True))
    op.create_index("ix_cases_campaign", "cases", ["campaign"])


def downgrade() -> None:
    op.drop_index("ix_cases_campaign", table_name="cases")
    # A plain DROP COLUMN (SQLite ≥ 3.35 and PostgreSQL): a batch copy would have to reflect the cases table,
    # whose expression indexes (web_0003/web_0004) SQLAlchemy cannot reflect.
    op.execute("ALTER TABLE cases DROP COLUMN campaign")
