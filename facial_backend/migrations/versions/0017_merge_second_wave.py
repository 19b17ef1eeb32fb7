"""Join the revisions that were written side by side on top of 0008 (tus uploads, access audit,
client logs, live event outbox, console indexes, recordings' ETag, videos' staging host).

Revision ID: 0017
Revises: 0009, 0010, 0011, 0012, 0013, 0015, 0016
"""

revision = "0017"
down_revision = ("0009", "0010", "0011", "0012", "0013", "0015", "0016")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
