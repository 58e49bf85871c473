"""Login throttling: the `login_counters` table (per-login and per-address counters and locks, and the
running counts behind aggregated failed-login rows of the access log). Throttling no longer counts
access-log rows. Branches from web_0001, which created the access log.

Revision ID: auth_0001
Revises: web_0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "auth_0001"
down_revision = "web_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_counters",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("since", sa.String(32), nullable=False),
        sa.Column("locked_until", sa.String(32), nullable=True),
        sa.Column("logged_at", sa.String(32), nullable=True),
    )
    op.create_index("ix_login_counters_since", "login_counters", ["since"])


def downgrade() -> None:
    op.drop_table("login_counters")
