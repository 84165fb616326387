"""event notices go through the due ledger: event_notices keeps the record of each change only

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Each DM is now a due row (sent, retried and given up there); nothing sets sent_at any more.
    with op.batch_alter_table('event_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_notices_sent_at'))
        batch_op.drop_column('sent_at')


def downgrade() -> None:
    with op.batch_alter_table('event_notices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_event_notices_sent_at'), ['sent_at'], unique=False)
