"""Files handed out by link, for Teams (downloads)

Revision ID: 0021
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "downloads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("mime", sa.String(length=100), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_downloads_member_id_members"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_downloads")),
        sa.UniqueConstraint("digest", name=op.f("uq_downloads_digest")),
    )
    with op.batch_alter_table("downloads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_downloads_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_downloads_member_id"), ["member_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("downloads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_downloads_member_id"))
        batch_op.drop_index(batch_op.f("ix_downloads_expires_at"))
    op.drop_table("downloads")
