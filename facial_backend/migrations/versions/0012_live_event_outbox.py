"""Live event outbox: events published by any process, followed by every web process when
there is no Redis.

Revision ID: 0012
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "live_event_outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True,
                  nullable=False),
        sa.Column("session_id", sa.String(length=128), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_event_outbox")),
    )
    op.create_index(op.f("ix_live_event_outbox_created_at"), "live_event_outbox", ["created_at"],
                    unique=False)


def downgrade():
    op.drop_index(op.f("ix_live_event_outbox_created_at"), table_name="live_event_outbox")
    op.drop_table("live_event_outbox")
