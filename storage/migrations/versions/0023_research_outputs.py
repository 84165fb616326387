"""Credit on research outputs: outputs and the technicians each credits; private drafts of award nominations

Revision ID: 0023
Revises: 0024
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "research_outputs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("creator_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("submission_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["creator_id"], ["members.id"], name=op.f("fk_research_outputs_creator_id_members"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_research_outputs")),
        sa.UniqueConstraint("submission_id", name=op.f("uq_research_outputs_submission_id")),
    )
    with op.batch_alter_table("research_outputs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_research_outputs_creator_id"), ["creator_id"], unique=False)
    op.create_table(
        "output_credits",
        sa.Column("output_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("credit", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["output_id"], ["research_outputs.id"],
                                name=op.f("fk_output_credits_output_id_research_outputs"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_output_credits_member_id_members"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("output_id", "member_id", name=op.f("pk_output_credits")),
    )
    with op.batch_alter_table("output_credits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_output_credits_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_output_credits_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_output_credits_answered_at"), ["answered_at"], unique=False)

    op.create_table(
        "award_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=True),
        sa.Column("colleague_id", sa.Integer(), nullable=True),
        sa.Column("citation", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_award_drafts_member_id_members"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["opportunity_id"], ["dev_opportunities.id"],
                                name=op.f("fk_award_drafts_opportunity_id_dev_opportunities"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["colleague_id"], ["members.id"], name=op.f("fk_award_drafts_colleague_id_members"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_award_drafts")),
        sa.UniqueConstraint("member_id", "opportunity_id", name=op.f("uq_award_drafts_member_id")),
    )
    with op.batch_alter_table("award_drafts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_award_drafts_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_award_drafts_colleague_id"), ["colleague_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("award_drafts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_award_drafts_colleague_id"))
        batch_op.drop_index(batch_op.f("ix_award_drafts_member_id"))
    op.drop_table("award_drafts")
    with op.batch_alter_table("output_credits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_output_credits_answered_at"))
        batch_op.drop_index(batch_op.f("ix_output_credits_status"))
        batch_op.drop_index(batch_op.f("ix_output_credits_member_id"))
    op.drop_table("output_credits")
    with op.batch_alter_table("research_outputs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_research_outputs_creator_id"))
    op.drop_table("research_outputs")
