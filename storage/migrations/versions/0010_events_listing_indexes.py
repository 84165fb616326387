"""indexes for what is coming: events by their end, answers by event and status

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = '0010'
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every listing of events asks for those not ended yet; with only starts_at indexed, the
    # database read every past event to find them (most of the table, in a network a few years old).
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_events_ends_at'), ['ends_at'], unique=False)
    with op.batch_alter_table('event_rsvps', schema=None) as batch_op:
        batch_op.create_index('ix_event_rsvps_event_status', ['event_id', 'status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('event_rsvps', schema=None) as batch_op:
        batch_op.drop_index('ix_event_rsvps_event_status')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_ends_at'))
