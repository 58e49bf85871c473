"""Saved inbox filters: the `saved_filters` table (a user's named inbox query strings, private to that
user; unique per user and name). Branches from dir_0001, the latest revision of the directory's users.

Revision ID: filters_0001
Revises: dir_0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "filters_0001"
down_revision = "dir_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saved_filters",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("login", sa.String(64), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("query", sa.String(2000), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.UniqueConstraint("login", "name", name="uq_saved_filters_login_name"),
    )


def downgrade() -> None:
    op.drop_table("saved_filters")
