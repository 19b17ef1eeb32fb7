"""Live processes: every web process with live sockets heartbeats a ``live_processes`` row, so
the others can clean up the sockets of one that stopped.

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "live_processes",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("beat_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_processes")),
    )


def downgrade():
    op.drop_table("live_processes")
