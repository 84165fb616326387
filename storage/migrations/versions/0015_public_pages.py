"""public pages: the public-profile choice, members' calendar feeds, page view counts

Revision ID: 0015
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('profiles', schema=None) as batch_op:
        # Off for everyone already there: nobody is published without choosing it.
        batch_op.add_column(sa.Column('public_web', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table('calendar_feeds',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_calendar_feeds_member_id_members'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('member_id', name=op.f('pk_calendar_feeds')),
    sa.UniqueConstraint('token', name=op.f('uq_calendar_feeds_token'))
    )
    op.create_table('page_views',
    sa.Column('page', sa.String(length=200), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('views', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('page', 'day', name=op.f('pk_page_views'))
    )


def downgrade() -> None:
    op.drop_table('page_views')
    op.drop_table('calendar_feeds')
    with op.batch_alter_table('profiles', schema=None) as batch_op:
        batch_op.drop_column('public_web')
