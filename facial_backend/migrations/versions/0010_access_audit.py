"""The access audit: one append-only row per view, download, export, deletion or user change.

Revision ID: 0010
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None

BigKey = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table(
        "access_audit",
        sa.Column("id", BigKey, autoincrement=True, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.String(length=36), nullable=True),
        sa.Column("actor_username", sa.String(length=64), nullable=True),
        sa.Column("actor_role", sa.String(length=16), nullable=True),
        sa.Column("remote_addr", sa.String(length=64), nullable=True),
        sa.Column("session_id", sa.String(length=64), nullable=True),
        sa.Column("target_kind", sa.String(length=32), nullable=True),
        sa.Column("target_id", sa.String(length=128), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_audit")),
    )
    op.create_index("ix_access_audit_occurred_at", "access_audit", ["occurred_at"], unique=False)
    op.create_index("ix_access_audit_session_time", "access_audit",
                    ["session_id", "occurred_at"], unique=False)
    op.create_index("ix_access_audit_actor_time", "access_audit",
                    ["actor_username", "occurred_at"], unique=False)
    op.create_index("ix_access_audit_action_time", "access_audit",
                    ["action", "occurred_at"], unique=False)


def downgrade():
    op.drop_table("access_audit")
