"""Due items: how many attempts failed, apart from claims whose worker died (issue #16)

Revision ID: 0024
Revises: 0022
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("due_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failures", sa.Integer(), server_default=sa.text("0"), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("due_items", schema=None) as batch_op:
        batch_op.drop_column("failures")
