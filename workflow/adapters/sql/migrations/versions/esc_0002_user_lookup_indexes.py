"""Escalations: who may be alerted is found through indexes on users' unit and role, not a scan.

Each fired rung reads the active users of the case unit's chain, those in no unit, the auditors
(for some rungs) and the assignee. Written as one OR over the users table, that was a full scan
per rung: 65 % of a rung's time with a province's 4,000 users (the sweep benchmark at a million
open cases). With these indexes the statement is a union of index look-ups.

Revision ID: esc_0002
Revises: esc_0001
"""
from __future__ import annotations

from alembic import op

revision = "esc_0002"
down_revision = "esc_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_users_unit", "users", ["unit"])
    op.create_index("ix_users_role", "users", ["role"])


def downgrade() -> None:
    op.drop_index("ix_users_role", "users")
    op.drop_index("ix_users_unit", "users")
