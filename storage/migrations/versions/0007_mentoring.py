"""mentoring: mentor profiles, requests, pairings; registration status; asked questions, FAQ additions

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('asked_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('asker_id', sa.Integer(), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('forwarded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('organiser_messages', sa.JSON(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reply_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['answered_by_id'], ['members.id'], name=op.f('fk_asked_questions_answered_by_id_members'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['asker_id'], ['members.id'], name=op.f('fk_asked_questions_asker_id_members'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_asked_questions'))
    )
    op.create_index(op.f('ix_asked_questions_asker_id'), 'asked_questions', ['asker_id'], unique=False)
    op.create_index(op.f('ix_asked_questions_status'), 'asked_questions', ['status'], unique=False)
    op.create_table('mentor_profiles',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('areas', sa.JSON(), nullable=False),
    sa.Column('specialisms', sa.String(length=300), nullable=True),
    sa.Column('intro', sa.Text(), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('paused_until', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('capacity >= 0 AND capacity <= 10', name=op.f('ck_mentor_profiles_capacity_range')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_mentor_profiles_member_id_members'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('member_id', name=op.f('pk_mentor_profiles'))
    )
    op.create_table('mentoring_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mentee_id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=False),
    sa.Column('area', sa.String(length=40), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('open_key', sa.String(length=40), nullable=True),
    sa.Column('notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('mentor_dm_channel', sa.String(length=32), nullable=True),
    sa.Column('mentor_dm_ts', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['mentee_id'], ['members.id'], name=op.f('fk_mentoring_requests_mentee_id_members'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['mentor_id'], ['members.id'], name=op.f('fk_mentoring_requests_mentor_id_members'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentoring_requests')),
    sa.UniqueConstraint('open_key', name=op.f('uq_mentoring_requests_open_key'))
    )
    op.create_index(op.f('ix_mentoring_requests_mentee_id'), 'mentoring_requests', ['mentee_id'], unique=False)
    op.create_index(op.f('ix_mentoring_requests_mentor_id'), 'mentoring_requests', ['mentor_id'], unique=False)
    op.create_index(op.f('ix_mentoring_requests_status'), 'mentoring_requests', ['status'], unique=False)
    op.create_table('registration_statuses',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('register', sa.String(length=32), nullable=True),
    sa.Column('role', sa.String(length=32), nullable=True),
    sa.Column('qualification', sa.String(length=32), nullable=True),
    sa.Column('years', sa.Integer(), nullable=True),
    sa.Column('suggested', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_registration_statuses_member_id_members'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('member_id', name=op.f('pk_registration_statuses'))
    )
    op.create_index(op.f('ix_registration_statuses_status'), 'registration_statuses', ['status'], unique=False)
    op.create_table('faq_additions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=True),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['members.id'], name=op.f('fk_faq_additions_added_by_id_members'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['question_id'], ['asked_questions.id'],
                            name=op.f('fk_faq_additions_question_id_asked_questions'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_faq_additions')),
    sa.UniqueConstraint('question_id', name=op.f('uq_faq_additions_question_id'))
    )
    op.create_table('mentoring_pairings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=False),
    sa.Column('mentee_id', sa.Integer(), nullable=False),
    sa.Column('area', sa.String(length=40), nullable=False),
    sa.Column('cadence_days', sa.Integer(), nullable=False),
    sa.Column('schedule_version', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_by_id', sa.Integer(), nullable=True),
    sa.Column('group_channel', sa.String(length=32), nullable=True),
    sa.Column('intro_claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('intro_ts', sa.String(length=32), nullable=True),
    sa.Column('last_checkin_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_met_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['ended_by_id'], ['members.id'], name=op.f('fk_mentoring_pairings_ended_by_id_members'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['mentee_id'], ['members.id'], name=op.f('fk_mentoring_pairings_mentee_id_members'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['mentor_id'], ['members.id'], name=op.f('fk_mentoring_pairings_mentor_id_members'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['mentoring_requests.id'],
                            name=op.f('fk_mentoring_pairings_request_id_mentoring_requests'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentoring_pairings')),
    sa.UniqueConstraint('request_id', name=op.f('uq_mentoring_pairings_request_id'))
    )
    op.create_index(op.f('ix_mentoring_pairings_ended_at'), 'mentoring_pairings', ['ended_at'], unique=False)
    op.create_index(op.f('ix_mentoring_pairings_mentee_id'), 'mentoring_pairings', ['mentee_id'], unique=False)
    op.create_index(op.f('ix_mentoring_pairings_mentor_id'), 'mentoring_pairings', ['mentor_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_mentoring_pairings_mentor_id'), table_name='mentoring_pairings')
    op.drop_index(op.f('ix_mentoring_pairings_mentee_id'), table_name='mentoring_pairings')
    op.drop_index(op.f('ix_mentoring_pairings_ended_at'), table_name='mentoring_pairings')
    op.drop_table('mentoring_pairings')
    op.drop_table('faq_additions')
    op.drop_index(op.f('ix_registration_statuses_status'), table_name='registration_statuses')
    op.drop_table('registration_statuses')
    op.drop_index(op.f('ix_mentoring_requests_status'), table_name='mentoring_requests')
    op.drop_index(op.f('ix_mentoring_requests_mentor_id'), table_name='mentoring_requests')
    op.drop_index(op.f('ix_mentoring_requests_mentee_id'), table_name='mentoring_requests')
    op.drop_table('mentoring_requests')
    op.drop_table('mentor_profiles')
    op.drop_index(op.f('ix_asked_questions_status'), table_name='asked_questions')
    op.drop_index(op.f('ix_asked_questions_asker_id'), table_name='asked_questions')
    op.drop_table('asked_questions')
