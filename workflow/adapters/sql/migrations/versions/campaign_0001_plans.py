"""Campaign plans as data: loaded plans (with their self-report windows), the plan measure → case
mapping that makes `campaign load` idempotent, and the issued self-declarations (one per person).

Revision ID: campaign_0001
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "campaign_0001"
down_revision = "0001"
branch_labels = None
depends_on = None

TIME = sa.String(32)


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("title", sa.String(400), nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("windows", sa.Text, nullable=False),
        sa.Column("plan", sa.Text, nullable=False),
        sa.Column("loaded_at", TIME, nullable=False),
    )
    op.create_table(
        "campaign_measures",
        sa.Column("campaign", sa.String(64), sa.ForeignKey("campaigns.key"), primary_key=True),
        sa.Column("measure_id", sa.String(64), primary_key=True),
        sa.Column("case_id", sa.String(40), nullable=False, unique=True),
    )
    op.create_table(
        "declarations",
        sa.Column("case_type", sa.String(64), primary_key=True),
        sa.Column("round", sa.Integer, primary_key=True),
        sa.Column("declarant", sa.String(64), primary_key=True),
        sa.Column("case_id", sa.String(40), nullable=False, unique=True),
        sa.Column("unit", sa.String(64), nullable=False),
        sa.Column("issued_at", TIME, nullable=False),
    )
    op.create_index("ix_declarations_unit", "declarations", ["unit", "case_type", "round"])


def downgrade() -> None:
    op.drop_index("ix_declarations_unit", table_name="declarations")
    op.drop_table("declarations")
    op.drop_table("campaign_measures")
    op.drop_table("campaigns")
