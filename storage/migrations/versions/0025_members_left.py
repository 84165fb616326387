"""Members who have left, by a partial index: a page of events leaves their answers out (issue #14)

Revision ID: 0025
Revises: 0023
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_members_left", "members", ["id"], postgresql_where=sa.text("deactivated IS true"),
                    sqlite_where=sa.text("deactivated IS 1"))


def downgrade() -> None:
    op.drop_index("ix_members_left", table_name="members")
