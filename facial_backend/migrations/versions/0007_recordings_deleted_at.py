"""Recordings: ``is_deleted`` is derived from ``deleted_at`` instead of stored beside it.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    recordings = sa.table("recordings", sa.column("is_deleted", sa.Boolean()),
                          sa.column("deleted_at", sa.DateTime(timezone=True)),
                          sa.column("updated_at", sa.DateTime(timezone=True)))
    # Every soft delete set both; a row with only the flag keeps being deleted.
    op.execute(recordings.update()
               .where(recordings.c.is_deleted.is_(True), recordings.c.deleted_at.is_(None))
               .values(deleted_at=recordings.c.updated_at))
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.drop_index("ix_recordings_deleted_at")
        batch_op.drop_column("is_deleted")
        batch_op.create_index("ix_recordings_deleted_at", ["deleted_at"], unique=False)


def downgrade():
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.drop_index("ix_recordings_deleted_at")
        batch_op.add_column(sa.Column("is_deleted", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    recordings = sa.table("recordings", sa.column("is_deleted", sa.Boolean()),
                          sa.column("deleted_at", sa.DateTime(timezone=True)))
    op.execute(recordings.update().where(recordings.c.deleted_at.is_not(None))
               .values(is_deleted=True))
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.alter_column("is_deleted", server_default=None)
        batch_op.create_index("ix_recordings_deleted_at", ["is_deleted", "deleted_at"], unique=False)
