"""events: network events, series, RSVPs, change notices

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('event_series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('frequency', sa.String(length=16), nullable=False),
    sa.Column('until', sa.Date(), nullable=False),
    sa.Column('organiser_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organiser_id'], ['members.id'], name=op.f('fk_event_series_organiser_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_series'))
    )
    with op.batch_alter_table('event_series', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_series_organiser_id'), ['organiser_id'], unique=False)

    op.create_table('events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=80), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=True),
    sa.Column('series_index', sa.Integer(), nullable=False),
    sa.Column('source_key', sa.String(length=80), nullable=True),
    sa.Column('title', sa.String(length=150), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=True),
    sa.Column('online_link', sa.String(length=500), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('rsvp_deadline', sa.DateTime(timezone=True), nullable=True),
    sa.Column('organiser_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('announce_channel', sa.String(length=32), nullable=True),
    sa.Column('announce_ts', sa.String(length=32), nullable=True),
    sa.Column('attendance_recorded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('capacity IS NULL OR capacity > 0', name=op.f('ck_events_capacity_positive')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_events_ends_after_start')),
    sa.ForeignKeyConstraint(['organiser_id'], ['members.id'], name=op.f('fk_events_organiser_id_members')),
    sa.ForeignKeyConstraint(['series_id'], ['event_series.id'], name=op.f('fk_events_series_id_event_series'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events')),
    sa.UniqueConstraint('source_key', 'series_index', name=op.f('uq_events_source_key')),
    sa.UniqueConstraint('uid', name=op.f('uq_events_uid'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_events_organiser_id'), ['organiser_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_series_id'), ['series_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_starts_at'), ['starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_status'), ['status'], unique=False)

    op.create_table('event_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('recipients', sa.JSON(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('source_key', sa.String(length=80), nullable=True),
    sa.Column('created_by', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_notices_event_id_events'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_notices')),
    sa.UniqueConstraint('source_key', 'event_id', 'kind', name=op.f('uq_event_notices_source_key'))
    )
    with op.batch_alter_table('event_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_notices_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_notices_sent_at'), ['sent_at'], unique=False)

    op.create_table('event_rsvps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('waitlist_seq', sa.Integer(), nullable=True),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('attended', sa.Boolean(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_rsvps_event_id_events'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_event_rsvps_member_id_members'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_rsvps')),
    sa.UniqueConstraint('event_id', 'member_id', name=op.f('uq_event_rsvps_event_id'))
    )
    with op.batch_alter_table('event_rsvps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_rsvps_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_rsvps_member_id'), ['member_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('event_rsvps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_rsvps_member_id'))
        batch_op.drop_index(batch_op.f('ix_event_rsvps_event_id'))
    op.drop_table('event_rsvps')

    with op.batch_alter_table('event_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_notices_sent_at'))
        batch_op.drop_index(batch_op.f('ix_event_notices_event_id'))
    op.drop_table('event_notices')

    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_status'))
        batch_op.drop_index(batch_op.f('ix_events_starts_at'))
        batch_op.drop_index(batch_op.f('ix_events_series_id'))
        batch_op.drop_index(batch_op.f('ix_events_organiser_id'))
    op.drop_table('events')

    with op.batch_alter_table('event_series', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_series_organiser_id'))
    op.drop_table('event_series')
