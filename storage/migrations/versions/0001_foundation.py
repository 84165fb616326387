"""foundation: members, deliveries, due items

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('due_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.String(length=128), nullable=False),
    sa.Column('occurrence', sa.String(length=128), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('not_before', sa.DateTime(timezone=True), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_by', sa.String(length=128), nullable=True),
    sa.Column('claim_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_due_items')),
    sa.UniqueConstraint('kind', 'subject', 'occurrence', name=op.f('uq_due_items_kind'))
    )
    with op.batch_alter_table('due_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_due_items_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_due_items_not_before'), ['not_before'], unique=False)
        batch_op.create_index(batch_op.f('ix_due_items_status'), ['status'], unique=False)

    op.create_table('members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slack_user_id', sa.String(length=32), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('real_name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('department', sa.String(length=200), nullable=True),
    sa.Column('job_title', sa.String(length=200), nullable=True),
    sa.Column('fte', sa.Double(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=True),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.Column('is_bot', sa.Boolean(), nullable=False),
    sa.Column('deactivated', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_active_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_members')),
    sa.UniqueConstraint('slack_user_id', name=op.f('uq_members_slack_user_id'))
    )
    op.create_table('slack_deliveries',
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_slack_deliveries'))
    )


def downgrade() -> None:
    op.drop_table('slack_deliveries')
    op.drop_table('members')
    with op.batch_alter_table('due_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_due_items_status'))
        batch_op.drop_index(batch_op.f('ix_due_items_not_before'))
        batch_op.drop_index(batch_op.f('ix_due_items_due_at'))

    op.drop_table('due_items')
