"""news: scheduled announcements, news for the e-zine, e-zine issues and their messages

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('announcements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('first_local', sa.String(length=16), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('first_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('repeat', sa.String(length=16), nullable=False),
    sa.Column('repeat_until', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('edits_id', sa.Integer(), nullable=True),
    sa.Column('posts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['members.id'], name=op.f('fk_announcements_author_id_members'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['edits_id'], ['announcements.id'], name=op.f('fk_announcements_edits_id_announcements'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcements'))
    )
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_announcements_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_announcements_status'), ['status'], unique=False)

    op.create_table('ezine_issues',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('period_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('intro', sa.Text(), nullable=True),
    sa.Column('content', sa.JSON(), nullable=True),
    sa.Column('compiled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision', sa.String(length=16), nullable=True),
    sa.Column('decided_by', sa.String(length=32), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approval_messages', sa.JSON(), nullable=False),
    sa.Column('spotlight_member_id', sa.Integer(), nullable=True),
    sa.Column('channel_id', sa.String(length=32), nullable=True),
    sa.Column('html', sa.Text(), nullable=True),
    sa.Column('permalink', sa.String(length=500), nullable=True),
    sa.Column('template_warning', sa.Text(), nullable=True),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['spotlight_member_id'], ['members.id'],
                            name=op.f('fk_ezine_issues_spotlight_member_id_members'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ezine_issues')),
    sa.UniqueConstraint('period', name=op.f('uq_ezine_issues_period'))
    )
    with op.batch_alter_table('ezine_issues', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ezine_issues_status'), ['status'], unique=False)

    op.create_table('ezine_messages',
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('blocks', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ts', sa.String(length=32), nullable=True),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['issue_id'], ['ezine_issues.id'], name=op.f('fk_ezine_messages_issue_id_ezine_issues'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('issue_id', 'position', name=op.f('pk_ezine_messages'))
    )
    op.create_table('news_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_key', sa.String(length=64), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=True),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('issue_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['members.id'], name=op.f('fk_news_items_author_id_members'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['issue_id'], ['ezine_issues.id'], name=op.f('fk_news_items_issue_id_ezine_issues'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['members.id'], name=op.f('fk_news_items_reviewed_by_id_members'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_news_items')),
    sa.UniqueConstraint('submission_key', name=op.f('uq_news_items_submission_key'))
    )
    with op.batch_alter_table('news_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_news_items_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_news_items_issue_id'), ['issue_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_news_items_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('news_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_news_items_status'))
        batch_op.drop_index(batch_op.f('ix_news_items_issue_id'))
        batch_op.drop_index(batch_op.f('ix_news_items_author_id'))

    op.drop_table('news_items')
    op.drop_table('ezine_messages')
    with op.batch_alter_table('ezine_issues', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ezine_issues_status'))

    op.drop_table('ezine_issues')
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_announcements_status'))
        batch_op.drop_index(batch_op.f('ix_announcements_author_id'))

    op.drop_table('announcements')
