"""Directory: a user whose password an administrator reset must choose a new one at the next login.

`users.must_change_password` is set by a reset (`rectiflow user reset-password`, the admin page) and
cleared when the user changes the password. Existing users keep theirs (false). Branches from
esc_0002, the last migration that touched the users table.

Revision ID: dir_0001
Revises: esc_0002
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "dir_0001"
down_revision = "esc_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (not a batch copy of the table) on both databases: the default fills old rows.
    op.add_column("users", sa.Column("must_change_password", sa.Boolean(), nullable=False,
                                     server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("must_change_password")
