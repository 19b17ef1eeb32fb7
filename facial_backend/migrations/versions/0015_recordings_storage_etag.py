"""Recordings: the stored object's ETag at completion, so a replacement afterwards is detected.

Revision ID: 0015
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("storage_etag", sa.String(length=128), nullable=True))


def downgrade():
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.drop_column("storage_etag")
