"""评估验收: each campaign's one `campaign_assessment` case, which records its units' scores as audited steps.

Revision ID: accept_0001
Revises: campaign_0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "accept_0001"
down_revision = "campaign_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaign_assessments",
        sa.Column("campaign", sa.String(64), sa.ForeignKey("campaigns.key"), primary_key=True),
        sa.Column("case_id", sa.String(40), nullable=False, unique=True),
    )


def downgrade() -> None:
    op.drop_table("campaign_assessments")
