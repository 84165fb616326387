"""identities per surface: members.slack_user_id becomes member_identities rows; columns naming a
person by Slack id become member ids; (channel, ts) pairs become message references with a surface

Revision ID: 0009
Revises: 0008

Everything stored before this revision came from Slack, so each Slack id found becomes the
identity ("slack", tenant "", id) and each (channel, ts) the reference ("slack", channel, ts).
Downgrading maps back, and refuses when a member has no Slack identity or a message was not
posted in Slack: the old schema has no way to say who or where they are.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

# The project's one clock, so a test's frozen time is the time a migrated row is stamped with.
from storage.clock import now

revision = '0009'
down_revision = "0008"
branch_labels = None
depends_on = None

SLACK = "slack"


# Identities ------------------------------------------------------------------------------------

def _identities_up() -> None:
    op.create_table('member_identities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('surface', sa.String(length=16), nullable=False),
    sa.Column('tenant', sa.String(length=64), nullable=False),
    sa.Column('external_id', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_member_identities_member_id_members'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_identities')),
    sa.UniqueConstraint('surface', 'tenant', 'external_id', name=op.f('uq_member_identities_surface'))
    )
    with op.batch_alter_table('member_identities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_identities_member_id'), ['member_id'], unique=False)
    op.execute(sa.text("INSERT INTO member_identities (member_id, surface, tenant, external_id) "
                       "SELECT id, :surface, '', slack_user_id FROM members ORDER BY id").bindparams(surface=SLACK))
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_members_slack_user_id'), type_='unique')
        batch_op.drop_column('slack_user_id')


def _refuse_members_elsewhere() -> None:
    """Checked before anything is undone: the old schema names every member by a Slack id."""
    missing = op.get_bind().execute(sa.text(
        "SELECT count(*) FROM members WHERE NOT EXISTS (SELECT 1 FROM member_identities i "
        "WHERE i.member_id = members.id AND i.surface = :surface)"), {"surface": SLACK}).scalar()
    if missing:
        raise RuntimeError(f"{missing} members have no Slack identity (met only on another surface); "
                           "the schema before revision 0009 cannot hold them")


def _identities_down() -> None:
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('slack_user_id', sa.String(length=32), nullable=True))
    op.execute(sa.text(
        "UPDATE members SET slack_user_id = (SELECT i.external_id FROM member_identities i "
        "WHERE i.member_id = members.id AND i.surface = :surface "
        "AND i.id = (SELECT min(j.id) FROM member_identities j "
        "WHERE j.member_id = members.id AND j.surface = :surface))"
    ).bindparams(surface=SLACK))
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.alter_column('slack_user_id', existing_type=sa.String(length=32), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_members_slack_user_id'), ['slack_user_id'])
    with op.batch_alter_table('member_identities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_identities_member_id'))
    op.drop_table('member_identities')


def _member_for(connection: sa.Connection, slack_user_id: str, cache: dict[str, int]) -> int:
    """The member a Slack id names, created as a bare member if the bot never met them (a panel
    member from TECHNET_AWARDS_PANEL, say, who had not used technet)."""
    if slack_user_id in cache:
        return cache[slack_user_id]
    found = connection.execute(sa.text(
        "SELECT member_id FROM member_identities WHERE surface = :surface AND tenant = '' AND external_id = :id"
    ), {"surface": SLACK, "id": slack_user_id}).scalar()
    if found is None:
        members = sa.table('members', sa.column('id', sa.Integer), sa.column('display_name'), sa.column('real_name'),
                           sa.column('fte'), sa.column('roles', sa.JSON), sa.column('is_bot'),
                           sa.column('deactivated'), sa.column('created_at', sa.DateTime(timezone=True)),
                           sa.column('updated_at', sa.DateTime(timezone=True)))
        moment = now()
        found = connection.execute(members.insert().values(
            display_name="", real_name="", fte=1.0, roles=[], is_bot=False, deactivated=False, created_at=moment,
            updated_at=moment).returning(members.c.id)).scalar_one()
        connection.execute(sa.text("INSERT INTO member_identities (member_id, surface, tenant, external_id) "
                                   "VALUES (:member, :surface, '', :id)"),
                           {"member": found, "surface": SLACK, "id": slack_user_id})
    cache[slack_user_id] = int(found)
    return int(found)


def _slack_ids(connection: sa.Connection) -> dict[int, str]:
    """Each member's Slack id (their first Slack identity)."""
    rows = connection.execute(sa.text(
        "SELECT member_id, external_id FROM member_identities WHERE surface = :surface ORDER BY id DESC"
    ), {"surface": SLACK}).all()
    return {member_id: external_id for member_id, external_id in rows}


# Person columns: a Slack id becomes a member id --------------------------------------------------

# (table, old column, new column, nullable, FK ondelete)
PERSON_COLUMNS: list[tuple[str, str, str, bool, str | None]] = [
    ('dev_opportunities', 'created_by', 'created_by_id', True, 'SET NULL'),
    ('award_cycles', 'chair', 'chair_id', False, None),
    ('award_cycles', 'created_by', 'created_by_id', False, None),
    ('award_cycles', 'announced_by', 'announced_by_id', True, 'SET NULL'),
    ('award_shortlist', 'marked_by', 'marked_by_id', False, None),
    ('award_audit', 'actor', 'actor_id', False, None),
    ('ezine_issues', 'decided_by', 'decided_by_id', True, 'SET NULL'),
    ('event_notices', 'created_by', 'created_by_id', True, 'SET NULL'),
]


def _person_up(table: str, old: str, new: str, nullable: bool, ondelete: str | None) -> None:
    connection = op.get_bind()
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.add_column(sa.Column(new, sa.Integer(), nullable=True))
    cache: dict[str, int] = {}
    rows = connection.execute(sa.text(f"SELECT DISTINCT {old} FROM {table} WHERE {old} IS NOT NULL")).scalars().all()
    for slack_user_id in rows:
        connection.execute(sa.text(f"UPDATE {table} SET {new} = :member WHERE {old} = :old"),
                           {"member": _member_for(connection, slack_user_id, cache), "old": slack_user_id})
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_column(old)
        if not nullable:
            batch_op.alter_column(new, existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(batch_op.f(f'fk_{table}_{new}_members'), 'members', [new], ['id'],
                                    ondelete=ondelete)


def _person_down(table: str, old: str, new: str, nullable: bool, ondelete: str | None) -> None:
    connection = op.get_bind()
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.add_column(sa.Column(old, sa.String(length=32), nullable=True))
    slack = _slack_ids(connection)
    for member_id in connection.execute(sa.text(f"SELECT DISTINCT {new} FROM {table} WHERE {new} IS NOT NULL")
                                        ).scalars().all():
        if member_id not in slack:
            raise RuntimeError(f"{table}.{new} names member {member_id}, who has no Slack identity; "
                               "the schema before revision 0009 cannot name them")
        connection.execute(sa.text(f"UPDATE {table} SET {old} = :old WHERE {new} = :member"),
                           {"old": slack[member_id], "member": member_id})
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(f'fk_{table}_{new}_members'), type_='foreignkey')
        batch_op.drop_column(new)
        if not nullable:
            batch_op.alter_column(old, existing_type=sa.String(length=32), nullable=False)


# JSON lists of people: Slack ids become member ids.
PERSON_LISTS = [('event_notices', 'recipients'), ('award_cycles', 'panel'), ('award_nominations', 'team_members')]


def _person_lists_up(table: str, column: str) -> None:
    connection = op.get_bind()
    cache: dict[str, int] = {}
    rows = sa.table(table, sa.column('id', sa.Integer), sa.column(column, sa.JSON))
    for row_id, people in connection.execute(sa.select(rows.c.id, rows.c[column])).all():
        if people:
            connection.execute(rows.update().where(rows.c.id == row_id).values(
                {column: [_member_for(connection, str(p), cache) for p in people]}))


def _person_lists_down(table: str, column: str) -> None:
    connection = op.get_bind()
    slack = _slack_ids(connection)
    rows = sa.table(table, sa.column('id', sa.Integer), sa.column(column, sa.JSON))
    for row_id, people in connection.execute(sa.select(rows.c.id, rows.c[column])).all():
        if people:
            connection.execute(rows.update().where(rows.c.id == row_id).values(
                {column: [slack[int(p)] for p in people]}))


# Message references: (channel, ts) becomes (surface, conversation, message id) ------------------

# (table, {old column: new column}, the new surface column): each old Slack column's value
# moves to its new column, and the surface column says "slack" wherever one of them was set.
REF_COLUMNS: list[tuple[str, dict[str, str], str, bool]] = [
    ('events', {'announce_channel': 'announce_conversation', 'announce_ts': 'announce_message_id'},
     'announce_surface', True),
    ('mentoring_requests', {'mentor_dm_channel': 'mentor_dm_conversation', 'mentor_dm_ts': 'mentor_dm_message_id'},
     'mentor_dm_surface', True),
    ('mentoring_pairings', {'group_channel': 'group_conversation', 'intro_ts': 'intro_message_id'},
     'group_surface', True),
    # The announcement went to the network channel, which the row never recorded: its conversation stays unknown.
    ('award_cycles', {'announcement_ts': 'announcement_message_id'}, 'announcement_surface', True),
    ('profile_welcomes', {'channel_id': 'conversation'}, 'surface', False),
    ('ezine_issues', {'channel_id': 'conversation'}, 'surface', True),
]
# Columns the new schema has that no old one fills.
REF_EXTRA = {'award_cycles': ['announcement_conversation']}
OLD_WIDTH = {'announcement_ts': 64}


def _refs_up(table: str, moves: dict[str, str], surface: str, nullable: bool) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.add_column(sa.Column(surface, sa.String(length=16), nullable=True))
        for new in [*moves.values(), *REF_EXTRA.get(table, [])]:
            batch_op.add_column(sa.Column(new, sa.String(length=255), nullable=True))
    sets = ", ".join(f"{new} = {old}" for old, new in moves.items())
    any_set = " OR ".join(f"{old} IS NOT NULL" for old in moves)
    op.execute(sa.text(f"UPDATE {table} SET {surface} = :surface, {sets} WHERE {any_set}").bindparams(surface=SLACK))
    with op.batch_alter_table(table, schema=None) as batch_op:
        for old in moves:
            batch_op.drop_column(old)
        if not nullable:
            batch_op.alter_column(surface, existing_type=sa.String(length=16), nullable=False)
            for new in moves.values():
                batch_op.alter_column(new, existing_type=sa.String(length=255), nullable=False)


def _refs_down(table: str, moves: dict[str, str], surface: str, nullable: bool) -> None:
    elsewhere = op.get_bind().execute(sa.text(f"SELECT count(*) FROM {table} WHERE {surface} <> :surface"),
                                      {"surface": SLACK}).scalar()
    if elsewhere:
        raise RuntimeError(f"{table} has {elsewhere} messages on other surfaces than Slack; "
                           "the schema before revision 0009 cannot say where they are")
    with op.batch_alter_table(table, schema=None) as batch_op:
        for old in moves:
            batch_op.add_column(sa.Column(old, sa.String(length=OLD_WIDTH.get(old, 32)), nullable=True))
    sets = ", ".join(f"{old} = {new}" for old, new in moves.items())
    op.execute(sa.text(f"UPDATE {table} SET {sets}"))
    with op.batch_alter_table(table, schema=None) as batch_op:
        for new in [*moves.values(), *REF_EXTRA.get(table, [])]:
            batch_op.drop_column(new)
        batch_op.drop_column(surface)
        if not nullable:
            for old in moves:
                batch_op.alter_column(old, existing_type=sa.String(length=OLD_WIDTH.get(old, 32)), nullable=False)


# Message ids alone (the conversation is their parent row's): (table, old, new), widened for Teams.
MESSAGE_IDS = [('ezine_messages', 'ts', 'message_id')]


def _message_ids_up(table: str, old: str, new: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.add_column(sa.Column(new, sa.String(length=255), nullable=True))
    op.execute(sa.text(f"UPDATE {table} SET {new} = {old}"))
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_column(old)


def _message_ids_down(table: str, old: str, new: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.add_column(sa.Column(old, sa.String(length=32), nullable=True))
    op.execute(sa.text(f"UPDATE {table} SET {old} = {new}"))
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_column(new)


def _announcements_up() -> None:
    """A scheduled announcement's channel keeps its column, now wide enough for Teams, beside its surface."""
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('surface', sa.String(length=16), nullable=True))
        batch_op.alter_column('channel_id', existing_type=sa.String(length=32), type_=sa.String(length=255),
                              existing_nullable=False)
    op.execute(sa.text("UPDATE announcements SET surface = :surface").bindparams(surface=SLACK))
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.alter_column('surface', existing_type=sa.String(length=16), nullable=False)


def _announcements_down() -> None:
    elsewhere = op.get_bind().execute(sa.text("SELECT count(*) FROM announcements WHERE surface <> :surface"),
                                      {"surface": SLACK}).scalar()
    if elsewhere:
        raise RuntimeError(f"{elsewhere} announcements go to another surface than Slack; "
                           "the schema before revision 0009 cannot say where")
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.drop_column('surface')
        batch_op.alter_column('channel_id', existing_type=sa.String(length=255), type_=sa.String(length=32),
                              existing_nullable=False)


# Lists of references kept as JSON: (table, column, where the [channel, ts] pair starts in each item).
REF_LISTS = [('asked_questions', 'organiser_messages', 0), ('ezine_issues', 'approval_messages', 1)]


def _ref_lists(table: str, column: str, start: int, change: Any) -> None:
    connection = op.get_bind()
    rows = sa.table(table, sa.column('id', sa.Integer), sa.column(column, sa.JSON))
    for row_id, items in connection.execute(sa.select(rows.c.id, rows.c[column])).all():
        if items:
            connection.execute(rows.update().where(rows.c.id == row_id).values(
                {column: [change(list(item), start, table) for item in items]}))


def _with_surface(item: list[str], start: int, table: str) -> list[str]:
    return [*item[:start], SLACK, *item[start:]]


def _without_surface(item: list[str], start: int, table: str) -> list[str]:
    if item[start] != SLACK:
        raise RuntimeError(f"{table} names a message on {item[start]}; the schema before revision 0009 "
                           "cannot say where it is")
    return [*item[:start], *item[start + 1:]]


def upgrade() -> None:
    _identities_up()
    for person in PERSON_COLUMNS:
        _person_up(*person)
    for listed in PERSON_LISTS:
        _person_lists_up(*listed)
    for refs in REF_COLUMNS:
        _refs_up(*refs)
    for table, column, start in REF_LISTS:
        _ref_lists(table, column, start, _with_surface)
    for renamed in MESSAGE_IDS:
        _message_ids_up(*renamed)
    _announcements_up()


def downgrade() -> None:
    _refuse_members_elsewhere()
    _announcements_down()
    for renamed in MESSAGE_IDS:
        _message_ids_down(*renamed)
    for table, column, start in REF_LISTS:
        _ref_lists(table, column, start, _without_surface)
    for refs in reversed(REF_COLUMNS):
        _refs_down(*refs)
    for listed in PERSON_LISTS:
        _person_lists_down(*listed)
    for person in reversed(PERSON_COLUMNS):
        _person_down(*person)
    _identities_down()

