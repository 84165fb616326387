"""awards: awards, cycles, nominations, submissions, scores, shortlist, audit

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("awards",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("name", sa.String(length=150), nullable=False),
    sa.Column("description", sa.Text(), nullable=False),
    sa.Column("criteria", sa.JSON(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_awards")),
    sa.UniqueConstraint("name", name=op.f("uq_awards_name"))
    )
    op.create_table("award_cycles",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("award_id", sa.Integer(), nullable=False),
    sa.Column("label", sa.String(length=60), nullable=False),
    sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("allow_self", sa.Boolean(), nullable=False),
    sa.Column("allow_team", sa.Boolean(), nullable=False),
    sa.Column("notify_nominees", sa.String(length=16), nullable=False),
    sa.Column("panel", sa.JSON(), nullable=False),
    sa.Column("chair", sa.String(length=32), nullable=False),
    sa.Column("created_by", sa.String(length=32), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("announced_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("announced_by", sa.String(length=32), nullable=True),
    sa.Column("announcement_text", sa.Text(), nullable=True),
    sa.Column("announcement_ts", sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(["award_id"], ["awards.id"], name=op.f("fk_award_cycles_award_id_awards")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_award_cycles")),
    sa.UniqueConstraint("award_id", "label", name=op.f("uq_award_cycles_award_id"))
    )
    with op.batch_alter_table("award_cycles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_award_cycles_closes_at"), ["closes_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_award_cycles_opens_at"), ["opens_at"], unique=False)

    op.create_table("award_audit",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("cycle_id", sa.Integer(), nullable=True),
    sa.Column("actor", sa.String(length=32), nullable=False),
    sa.Column("action", sa.String(length=40), nullable=False),
    sa.Column("allowed", sa.Boolean(), nullable=False),
    sa.Column("detail", sa.String(length=500), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["cycle_id"], ["award_cycles.id"], name=op.f("fk_award_audit_cycle_id_award_cycles")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_award_audit"))
    )
    with op.batch_alter_table("award_audit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_award_audit_cycle_id"), ["cycle_id"], unique=False)

    op.create_table("award_nominations",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("cycle_id", sa.Integer(), nullable=False),
    sa.Column("nominator_id", sa.Integer(), nullable=False),
    sa.Column("nominee_key", sa.String(length=140), nullable=False),
    sa.Column("nominee_id", sa.Integer(), nullable=True),
    sa.Column("team_name", sa.String(length=100), nullable=True),
    sa.Column("team_members", sa.JSON(), nullable=False),
    sa.Column("citation", sa.Text(), nullable=False),
    sa.Column("examples", sa.JSON(), nullable=False),
    sa.Column("link", sa.String(length=500), nullable=True),
    sa.Column("status", sa.String(length=16), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["cycle_id"], ["award_cycles.id"], name=op.f("fk_award_nominations_cycle_id_award_cycles")),
    sa.ForeignKeyConstraint(["nominator_id"], ["members.id"], name=op.f("fk_award_nominations_nominator_id_members")),
    sa.ForeignKeyConstraint(["nominee_id"], ["members.id"], name=op.f("fk_award_nominations_nominee_id_members")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_award_nominations")),
    sa.UniqueConstraint("cycle_id", "nominator_id", "nominee_key", name=op.f("uq_award_nominations_cycle_id"))
    )
    op.create_table("award_scores",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("cycle_id", sa.Integer(), nullable=False),
    sa.Column("nominee_key", sa.String(length=140), nullable=False),
    sa.Column("scorer_id", sa.Integer(), nullable=False),
    sa.Column("criterion", sa.String(length=100), nullable=False),
    sa.Column("score", sa.Integer(), nullable=False),
    sa.Column("scored_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("score >= 1 AND score <= 5", name=op.f("ck_award_scores_score_range")),
    sa.ForeignKeyConstraint(["cycle_id"], ["award_cycles.id"], name=op.f("fk_award_scores_cycle_id_award_cycles")),
    sa.ForeignKeyConstraint(["scorer_id"], ["members.id"], name=op.f("fk_award_scores_scorer_id_members")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_award_scores")),
    sa.UniqueConstraint("cycle_id", "nominee_key", "scorer_id", "criterion", name=op.f("uq_award_scores_cycle_id"))
    )
    op.create_table("award_shortlist",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("cycle_id", sa.Integer(), nullable=False),
    sa.Column("nominee_key", sa.String(length=140), nullable=False),
    sa.Column("is_winner", sa.Boolean(), nullable=False),
    sa.Column("marked_by", sa.String(length=32), nullable=False),
    sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["cycle_id"], ["award_cycles.id"], name=op.f("fk_award_shortlist_cycle_id_award_cycles")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_award_shortlist")),
    sa.UniqueConstraint("cycle_id", "nominee_key", name=op.f("uq_award_shortlist_cycle_id"))
    )
    op.create_table("award_submissions",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("key", sa.String(length=64), nullable=False),
    sa.Column("nominator_id", sa.Integer(), nullable=False),
    sa.Column("nomination_id", sa.Integer(), nullable=True),
    sa.Column("outcome", sa.String(length=16), nullable=False),
    sa.Column("dm_sent_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["nomination_id"], ["award_nominations.id"],
                            name=op.f("fk_award_submissions_nomination_id_award_nominations")),
    sa.ForeignKeyConstraint(["nominator_id"], ["members.id"], name=op.f("fk_award_submissions_nominator_id_members")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_award_submissions")),
    sa.UniqueConstraint("key", name=op.f("uq_award_submissions_key"))
    )


def downgrade() -> None:
    op.drop_table("award_submissions")
    op.drop_table("award_shortlist")
    op.drop_table("award_scores")
    op.drop_table("award_nominations")
    with op.batch_alter_table("award_audit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_award_audit_cycle_id"))
    op.drop_table("award_audit")
    with op.batch_alter_table("award_cycles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_award_cycles_opens_at"))
        batch_op.drop_index(batch_op.f("ix_award_cycles_closes_at"))
    op.drop_table("award_cycles")
    op.drop_table("awards")
