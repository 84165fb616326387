"""personal data: when a member's account was deactivated, and when their personal data was erased

Revision ID: 0012
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # deactivated_at starts the erasure grace period (TECHNET_ERASE_AFTER_DAYS); members already
    # deactivated get none, so nobody is erased by the upgrade itself: the next report of the
    # account (or an admin's `technet member erase`) starts it.
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deactivated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
        batch_op.drop_column('deactivated_at')
