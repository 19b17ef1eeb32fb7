"""Client logs: the log lines the browser recording app posts, per session.

Revision ID: 0011
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "client_logs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=True),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("context", sa.JSON(), nullable=True),
        sa.Column("client_timestamp", sa.String(length=64), nullable=True),
        sa.Column("client_ip", sa.String(length=64), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"],
                                name=op.f("fk_client_logs_session_id_sessions"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_logs")),
    )
    op.create_index("ix_client_logs_session_id_id", "client_logs", ["session_id", "id"])
    op.create_index(op.f("ix_client_logs_received_at"), "client_logs", ["received_at"])


def downgrade():
    op.drop_index(op.f("ix_client_logs_received_at"), table_name="client_logs")
    op.drop_index("ix_client_logs_session_id_id", table_name="client_logs")
    op.drop_table("client_logs")
