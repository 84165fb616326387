"""careers: development opportunities, tag follows, deadline reminders, CPD entries

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('dev_opportunities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('natural_key', sa.String(length=420), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('provider', sa.String(length=200), nullable=True),
    sa.Column('link', sa.String(length=500), nullable=True),
    sa.Column('cost', sa.String(length=100), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dev_opportunities')),
    sa.UniqueConstraint('natural_key', name=op.f('uq_dev_opportunities_natural_key'))
    )
    with op.batch_alter_table('dev_opportunities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dev_opportunities_deadline'), ['deadline'], unique=False)

    op.create_table('cpd_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=False),
    sa.Column('activity', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('unit', sa.String(length=8), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('link', sa.String(length=500), nullable=True),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('source_ref', sa.String(length=128), nullable=True),
    sa.Column('submission_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('minutes > 0', name=op.f('ck_cpd_entries_minutes_positive')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_cpd_entries_member_id_members'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cpd_entries')),
    sa.UniqueConstraint('source_ref', 'member_id', 'source', name=op.f('uq_cpd_entries_source_ref')),
    sa.UniqueConstraint('submission_id', 'member_id', name=op.f('uq_cpd_entries_submission_id'))
    )
    with op.batch_alter_table('cpd_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cpd_entries_done_on'), ['done_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_cpd_entries_member_id'), ['member_id'], unique=False)

    op.create_table('dev_follows',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('tag', sa.String(length=60), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_dev_follows_member_id_members'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('member_id', 'tag', name=op.f('pk_dev_follows'))
    )
    with op.batch_alter_table('dev_follows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dev_follows_tag'), ['tag'], unique=False)

    op.create_table('dev_reminders',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('opportunity_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_dev_reminders_member_id_members'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['opportunity_id'], ['dev_opportunities.id'],
                            name=op.f('fk_dev_reminders_opportunity_id_dev_opportunities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('member_id', 'opportunity_id', name=op.f('pk_dev_reminders'))
    )
    with op.batch_alter_table('dev_reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dev_reminders_opportunity_id'), ['opportunity_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('dev_reminders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dev_reminders_opportunity_id'))

    op.drop_table('dev_reminders')
    with op.batch_alter_table('dev_follows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dev_follows_tag'))

    op.drop_table('dev_follows')
    with op.batch_alter_table('cpd_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cpd_entries_member_id'))
        batch_op.drop_index(batch_op.f('ix_cpd_entries_done_on'))

    op.drop_table('cpd_entries')
    with op.batch_alter_table('dev_opportunities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dev_opportunities_deadline'))

    op.drop_table('dev_opportunities')
