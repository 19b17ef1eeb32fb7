"""Videos: ``staging_revision`` is drawn anew at every change to a video's staged file, so a process's
running SHA-256 of that file is used only while no other request has changed it.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("videos", schema=None) as batch_op:
        batch_op.add_column(sa.Column("staging_revision", sa.BigInteger(), nullable=False,
                                      server_default="0"))


def downgrade():
    with op.batch_alter_table("videos", schema=None) as batch_op:
        batch_op.drop_column("staging_revision")
