"""Alerts: room for the handover notices' kind names (`extension_approved`, `returned_to_unit`, …).

The kind column held the escalation feature's short kinds ("escalation", "flag"); handover notices
(workflow.cases.notices) and a definition's own `notify:` kinds are names of up to 32 characters.
SQLite does not enforce a VARCHAR length, so only PostgreSQL needs the column widened.

Revision ID: esc_0003
Revises: esc_0002
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "esc_0003"
down_revision = "esc_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("alerts", "kind", type_=sa.String(32), existing_type=sa.String(16), existing_nullable=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("alerts", "kind", type_=sa.String(16), existing_type=sa.String(32), existing_nullable=False)
