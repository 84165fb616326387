"""The action plan: actions, their owners and the updates owners post; CPD topics; session proposals

Revision ID: 0019
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("natural_key", sa.String(length=300), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("pillar", sa.String(length=32), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("measure", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_actions")),
        sa.UniqueConstraint("natural_key", name=op.f("uq_plan_actions_natural_key")),
    )
    with op.batch_alter_table("plan_actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_actions_pillar"), ["pillar"], unique=False)
    op.create_table(
        "plan_action_owners",
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["action_id"], ["plan_actions.id"],
                                name=op.f("fk_plan_action_owners_action_id_plan_actions"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_plan_action_owners_member_id_members"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("action_id", "member_id", name=op.f("pk_plan_action_owners")),
    )
    with op.batch_alter_table("plan_action_owners", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_action_owners_member_id"), ["member_id"], unique=False)
    op.create_table(
        "plan_action_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["action_id"], ["plan_actions.id"],
                                name=op.f("fk_plan_action_updates_action_id_plan_actions"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_plan_action_updates_member_id_members"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_action_updates")),
    )
    with op.batch_alter_table("plan_action_updates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_action_updates_action_id"), ["action_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_plan_action_updates_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_plan_action_updates_created_at"), ["created_at"], unique=False)
    with op.batch_alter_table("cpd_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("topic", sa.String(length=48), nullable=True))
    op.create_table(
        "session_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposer_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=150), nullable=False),
        sa.Column("abstract", sa.Text(), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("preferred_dates", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("submission_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["proposer_id"], ["members.id"], name=op.f("fk_session_proposals_proposer_id_members"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["decided_by_id"], ["members.id"],
                                name=op.f("fk_session_proposals_decided_by_id_members"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_session_proposals_event_id_events"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_proposals")),
        sa.UniqueConstraint("submission_id", name=op.f("uq_session_proposals_submission_id")),
    )
    with op.batch_alter_table("session_proposals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_session_proposals_proposer_id"), ["proposer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_session_proposals_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_session_proposals_event_id"), ["event_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("session_proposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_proposals_event_id"))
        batch_op.drop_index(batch_op.f("ix_session_proposals_status"))
        batch_op.drop_index(batch_op.f("ix_session_proposals_proposer_id"))
    op.drop_table("session_proposals")
    with op.batch_alter_table("cpd_entries", schema=None) as batch_op:
        batch_op.drop_column("topic")
    with op.batch_alter_table("plan_action_updates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_action_updates_created_at"))
        batch_op.drop_index(batch_op.f("ix_plan_action_updates_member_id"))
        batch_op.drop_index(batch_op.f("ix_plan_action_updates_action_id"))
    op.drop_table("plan_action_updates")
    with op.batch_alter_table("plan_action_owners", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_action_owners_member_id"))
    op.drop_table("plan_action_owners")
    with op.batch_alter_table("plan_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_actions_pillar"))
    op.drop_table("plan_actions")
