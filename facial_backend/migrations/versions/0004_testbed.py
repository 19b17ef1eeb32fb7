"""testbed notes, telemetry, speech-to-text tasks

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-22 03:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0001'
branch_labels = None
depends_on = None

BigKey = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def _session_fk(table):
    return sa.ForeignKeyConstraint(['session_id'], ['sessions.id'],
                                   name=op.f(f'fk_{table}_session_id_sessions'), ondelete='CASCADE')


def upgrade():
    op.create_table('testbed_notes',
    sa.Column('seq', BigKey, autoincrement=True, nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('session_id', sa.String(length=64), nullable=False),
    sa.Column('timestamp', sa.DateTime(timezone=True), nullable=False),
    sa.Column('speaker', sa.String(length=200), nullable=True),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('telemetry_snapshot', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    _session_fk('testbed_notes'),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_testbed_notes')),
    sa.UniqueConstraint('id', name=op.f('uq_testbed_notes_id'))
    )
    op.create_index('ix_testbed_notes_session_time', 'testbed_notes',
                    ['session_id', 'timestamp', 'seq'], unique=False)
    op.create_table('testbed_telemetry',
    sa.Column('seq', BigKey, autoincrement=True, nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('session_id', sa.String(length=64), nullable=False),
    sa.Column('timestamp', sa.DateTime(timezone=True), nullable=False),
    sa.Column('channel', sa.String(length=200), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('unit', sa.String(length=50), nullable=True),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_testbed_telemetry'))
    )
    op.create_index('ix_testbed_telemetry_channel_time', 'testbed_telemetry',
                    ['session_id', 'channel', 'timestamp', 'seq'], unique=False)
    op.create_index('ix_testbed_telemetry_session_time', 'testbed_telemetry',
                    ['session_id', 'timestamp', 'seq'], unique=False)
    op.create_table('testbed_telemetry_channels',
    sa.Column('session_id', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=200), nullable=False),
    _session_fk('testbed_telemetry_channels'),
    sa.PrimaryKeyConstraint('session_id', 'channel', name=op.f('pk_testbed_telemetry_channels'))
    )
    op.create_table('testbed_stt_tasks',
    sa.Column('seq', BigKey, autoincrement=True, nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('session_id', sa.String(length=64), nullable=False),
    sa.Column('audio_chunk_id', sa.String(length=200), nullable=False),
    sa.Column('duration_seconds', sa.Float(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('transcript', sa.Text(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('segment_id', sa.String(length=64), nullable=True),
    sa.Column('recording_id', sa.String(length=64), nullable=True),
    sa.Column('storage_key', sa.String(length=1024), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    _session_fk('testbed_stt_tasks'),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_testbed_stt_tasks')),
    sa.UniqueConstraint('id', name=op.f('uq_testbed_stt_tasks_id'))
    )
    op.create_index('ix_testbed_stt_tasks_session_created', 'testbed_stt_tasks',
                    ['session_id', 'created_at', 'seq'], unique=False)
    op.create_index('ix_testbed_stt_tasks_status', 'testbed_stt_tasks', ['status'], unique=False)


def downgrade():
    op.drop_index('ix_testbed_stt_tasks_status', table_name='testbed_stt_tasks')
    op.drop_index('ix_testbed_stt_tasks_session_created', table_name='testbed_stt_tasks')
    op.drop_table('testbed_stt_tasks')
    op.drop_table('testbed_telemetry_channels')
    op.drop_index('ix_testbed_telemetry_session_time', table_name='testbed_telemetry')
    op.drop_index('ix_testbed_telemetry_channel_time', table_name='testbed_telemetry')
    op.drop_table('testbed_telemetry')
    op.drop_index('ix_testbed_notes_session_time', table_name='testbed_notes')
    op.drop_table('testbed_notes')
