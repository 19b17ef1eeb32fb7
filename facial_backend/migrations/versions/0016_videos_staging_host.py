"""Videos: ``staging_host`` names the DATA_DIR (by its staging-host id) that holds a video's
staged files, so a chunk that reaches another host is told where the upload lives.

Revision ID: 0016
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("videos", schema=None) as batch_op:
        batch_op.add_column(sa.Column("staging_host", sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table("videos", schema=None) as batch_op:
        batch_op.drop_column("staging_host")
