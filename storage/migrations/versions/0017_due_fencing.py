"""Due items: when each claim was taken, since when an attempt may have posted; every attempt (issue #16)

Revision ID: 0017
Revises: 0021
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("due_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("ambiguous_since", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "delivery_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("due_item_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=128), nullable=False),
        sa.Column("occurrence", sa.String(length=128), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("surface", sa.String(length=16), nullable=True),
        sa.Column("recipient", sa.String(length=255), nullable=True),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lateness_seconds", sa.Float(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=255), nullable=True),
        sa.Column("message_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["due_item_id"], ["due_items.id"],
                                name=op.f("fk_delivery_attempts_due_item_id_due_items"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_delivery_attempts_member_id_members"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_attempts")),
    )
    with op.batch_alter_table("delivery_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_delivery_attempts_due_item_id"), ["due_item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_delivery_attempts_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_delivery_attempts_subject"), ["subject"], unique=False)
        batch_op.create_index(batch_op.f("ix_delivery_attempts_attempted_at"), ["attempted_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("delivery_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delivery_attempts_attempted_at"))
        batch_op.drop_index(batch_op.f("ix_delivery_attempts_subject"))
        batch_op.drop_index(batch_op.f("ix_delivery_attempts_member_id"))
        batch_op.drop_index(batch_op.f("ix_delivery_attempts_due_item_id"))
    op.drop_table("delivery_attempts")
    with op.batch_alter_table("due_items", schema=None) as batch_op:
        batch_op.drop_column("ambiguous_since")
        batch_op.drop_column("claimed_at")
