"""tus uploads: ``staging_host`` names the DATA_DIR (by its staging-host id) that holds an
upload's staged bytes, so a PATCH that reaches another host is told where the upload lives.

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tus_uploads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("staging_host", sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table("tus_uploads", schema=None) as batch_op:
        batch_op.drop_column("staging_host")
