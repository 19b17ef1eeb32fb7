"""Indexes of the console's sessions table: newest first over every kind, and by status; the
id breaks ties, so a page at any depth is read in index order with no sort.

Revision ID: 0013
Revises: 0008
"""

from alembic import op

revision = "0013"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_sessions_started_at", "sessions", ["started_at", "id"], unique=False)
    op.create_index("ix_sessions_status_started_at", "sessions", ["status", "started_at", "id"], unique=False)


def downgrade():
    op.drop_index("ix_sessions_status_started_at", table_name="sessions")
    op.drop_index("ix_sessions_started_at", table_name="sessions")
