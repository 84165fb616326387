"""profiles: technician profiles, directory tags, welcome DMs

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('profile_tags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_profile_tags')),
    sa.UniqueConstraint('key', name=op.f('uq_profile_tags_key'))
    )
    op.create_table('profile_welcomes',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('welcomed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_profile_welcomes_member_id_members'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('member_id', name=op.f('pk_profile_welcomes'))
    )
    op.create_table('profiles',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('bio', sa.Text(), nullable=True),
    sa.Column('bio_key', sa.Text(), nullable=True),
    sa.Column('listed', sa.Boolean(), nullable=False),
    sa.Column('spotlight_opt_in', sa.Boolean(), nullable=False),
    sa.Column('public_fields', sa.JSON(), nullable=False),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_profiles_member_id_members'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('member_id', name=op.f('pk_profiles'))
    )
    with op.batch_alter_table('profiles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_profiles_listed'), ['listed'], unique=False)

    op.create_table('profile_tag_links',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['profiles.member_id'], name=op.f('fk_profile_tag_links_member_id_profiles'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tag_id'], ['profile_tags.id'], name=op.f('fk_profile_tag_links_tag_id_profile_tags'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('member_id', 'kind', 'tag_id', name=op.f('pk_profile_tag_links'))
    )
    with op.batch_alter_table('profile_tag_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_profile_tag_links_tag_id'), ['tag_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('profile_tag_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_profile_tag_links_tag_id'))

    op.drop_table('profile_tag_links')
    with op.batch_alter_table('profiles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_profiles_listed'))

    op.drop_table('profiles')
    op.drop_table('profile_welcomes')
    op.drop_table('profile_tags')
