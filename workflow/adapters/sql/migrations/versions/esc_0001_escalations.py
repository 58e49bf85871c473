"""Escalations: the due-time index on cases, exactly-once rung firings, in-app alerts, the sweep lease.

* ``cases.next_escalation_at`` (indexed): when the case's next unfired rung falls due, kept by
  every case update; a sweep reads only rows with ``next_escalation_at <= now``.
* ``escalation_firings``: one row per fired rung; the primary key (case_id, deadline_key, rung)
  is what makes a rung fire exactly once, whatever the number of sweepers or retries.
* ``alerts``: in-app alerts to users (an escalation's targets, flag notices); one per user and event.
* ``scheduler_leases``: who may sweep now (owner, expiry), so several processes never sweep at once.

Revision ID: esc_0001
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "esc_0001"
down_revision = "0001"
branch_labels = None
depends_on = None

TIME = sa.String(32)
SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # Plain ADD COLUMN (no table rebuild) on both SQLite and PostgreSQL.
    op.add_column("cases", sa.Column("next_escalation_at", TIME, nullable=True))
    op.create_index("ix_cases_next_escalation_at", "cases", ["next_escalation_at"])
    op.create_table(
        "escalation_firings",
        sa.Column("case_id", sa.String(40), primary_key=True),
        sa.Column("deadline_key", sa.String(80), primary_key=True),
        sa.Column("rung", sa.String(64), primary_key=True),
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("bulletin", sa.Boolean, nullable=False),
        sa.Column("due_at", TIME, nullable=False),
        sa.Column("fired_at", TIME, nullable=False),
        sa.Column("late", sa.Boolean, nullable=False),
        sa.Column("event_version", sa.Integer, nullable=False),
        sa.Column("fired_by", sa.String(200), nullable=False),
    )
    op.create_index("ix_escalation_firings_fired_at", "escalation_firings", ["fired_at"])
    op.create_index("ix_escalation_firings_bulletin", "escalation_firings", ["bulletin", "fired_at"])
    op.create_table(
        "alerts",
        sa.Column("id", SEQ, primary_key=True, autoincrement=True),
        sa.Column("login", sa.String(64), nullable=False),
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("event_version", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("rung", sa.String(64), nullable=True),
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("at", TIME, nullable=False),
        sa.Column("due_at", TIME, nullable=True),
        sa.Column("late", sa.Boolean, nullable=False),
        sa.Column("read_at", TIME, nullable=True),
        sa.UniqueConstraint("login", "case_id", "event_version", name="uq_alerts_login_case_event"),
    )
    op.create_index("ix_alerts_login_at", "alerts", ["login", "at"])
    op.create_table(
        "scheduler_leases",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("acquired_at", TIME, nullable=False),
        sa.Column("expires_at", TIME, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("scheduler_leases")
    op.drop_index("ix_alerts_login_at", table_name="alerts")
    op.drop_table("alerts")
    op.drop_index("ix_escalation_firings_bulletin", table_name="escalation_firings")
    op.drop_index("ix_escalation_firings_fired_at", table_name="escalation_firings")
    op.drop_table("escalation_firings")
    op.drop_index("ix_cases_next_escalation_at", table_name="cases")
    op.drop_column("cases", "next_escalation_at")  # SQLite >= 3.35 drops columns natively
