"""Reads of one statement outside a unit of work, on SQLite and PostgreSQL: Database.read_rows,
which every request reads its member with, and Database.reading_statement, the connection a page of
events is read on."""

from __future__ import annotations

from datetime import datetime, timedelta, UTC
from typing import Any

import pytest
from sqlalchemy import bindparam, func, literal_column, select, text
from sqlalchemy.exc import DBAPIError, StatementError

from bot.slack_refs import role_grants, slack_identity
from storage import members
from storage.db import Database
from storage.members import Role
from storage.models import Member, MemberIdentity

NOW = datetime(2026, 12, 7, 9, tzinfo=UTC)


def test_the_member_is_recognised_in_one_read_with_every_role(db: Database):
    with db.transaction() as session:
        member = members.ensure_member(session, slack_identity("U0MEMBER01"), now=NOW)
        members.touch(member, NOW)
        members.grant_role(session, None, slack_identity("U0MEMBER01"), Role.PANEL)
        member_id = member.id
    grants = role_grants(organisers=["U0MEMBER01"])

    today = members.recognise(db, slack_identity("U0MEMBER01"), grants, now=NOW)
    tomorrow = members.recognise(db, slack_identity("U0MEMBER01"), grants, now=NOW + timedelta(days=1))
    stranger = members.recognise(db, slack_identity("U0STRANGER"), grants, now=NOW)

    assert today is not None and tomorrow is not None and stranger is None
    assert today.actor.member_id == member_id and today.actor.user_id == "U0MEMBER01"
    assert today.actor.roles == {Role.MEMBER, Role.PANEL, Role.ORGANISER}
    assert today.seen_today and not tomorrow.seen_today


def test_a_read_of_one_statement_leaves_no_transaction_and_blocks_no_writer(db: Database):
    """PostgreSQL: autocommit, so no BEGIN or ROLLBACK round trips around the statement. SQLite: a
    deferred BEGIN, as every read here, which takes no write lock."""
    with db.reading_statement() as connection:
        assert connection.execute(select(Member.id)).all() == []
        if db.engine.dialect.name == "postgresql":
            from psycopg.pq import TransactionStatus  # only with PostgreSQL's driver installed

            driver: Any = connection.connection.dbapi_connection
            assert driver.info.transaction_status == TransactionStatus.IDLE
        with db.transaction() as session:  # a writer meanwhile does not wait for the read
            members.ensure_member(session, slack_identity("U0MEMBER01"), now=NOW)
    with db.reading_statement() as connection:
        assert len(connection.execute(select(Member.id)).all()) == 1


def _members_seen_since() -> Any:
    # Parameters a driver takes as they are (a string) and one SQLAlchemy converts (an aware
    # datetime); columns the same: JSON, an aware datetime, a count.
    identities = select(func.count(MemberIdentity.id)).where(MemberIdentity.member_id == Member.id)
    on_surface = select(MemberIdentity.member_id).where(MemberIdentity.surface == bindparam("surface"))
    return (select(Member.id, Member.roles, Member.last_active_at, identities.scalar_subquery().label("identities"))
            .where(Member.last_active_at >= bindparam("since", type_=Member.last_active_at.type),
                   Member.id.in_(on_surface))
            .order_by(Member.id))


def test_read_rows_reads_as_sqlalchemy_does(db: Database):
    """The same rows, with the same values, as Core's own execution of the statement."""
    with db.transaction() as session:
        for n, seen in enumerate((NOW, NOW - timedelta(days=3), NOW + timedelta(hours=1))):
            member = members.ensure_member(session, slack_identity(f"U0MEMBER0{n}"), now=NOW)
            members.touch(member, seen)
        members.grant_role(session, None, slack_identity("U0MEMBER00"), Role.PANEL)
    statement, params = _members_seen_since(), {"since": NOW - timedelta(days=1), "surface": "slack"}

    rows = db.read_rows(statement, params)
    with db.reading() as session:
        expected = [tuple(row) for row in session.execute(statement, params)]

    assert [tuple(row) for row in rows] == expected
    assert [(roles, seen) for _, roles, seen, _ in rows] == [(["panel"], NOW), ([], NOW + timedelta(hours=1))]
    assert all(seen.tzinfo is not None and seen.utcoffset() == timedelta(0) for _, _, seen, _ in rows)
    assert [(row.roles, row.identities) for row in rows] == [(["panel"], 1), ([], 1)]  # by name, as Core's Row
    with pytest.raises(StatementError, match="naive"):  # refused going in, as every statement refuses it
        db.read_rows(statement, {"since": NOW.replace(tzinfo=None), "surface": "slack"})


def test_read_rows_refuses_a_statement_it_could_not_run_compiled_once(db: Database):
    """An IN of a list is rendered as the statement runs (one parameter a value): refused by
    name on both databases, before anything is read."""
    statement = select(Member.id).where(Member.roles.is_not(None), Member.timezone.in_(["Europe/London", "UTC"]))
    with pytest.raises(ValueError, match="timezone_1"):
        db.read_rows(statement, {})


def test_read_rows_leaves_the_pooled_connection_as_it_found_it(db: Database):
    """The connection goes back to the pool ready for a unit of work: a transaction that fails
    after it still rolls back whole (on PostgreSQL the read ran in autocommit, which must not stay)."""
    db = Database(db.url, pool_size=1)  # one connection: the read's is the transaction's
    try:
        for _ in range(3):
            db.read_rows(select(Member.id), {})
            with pytest.raises(RuntimeError), db.transaction() as session:
                members.ensure_member(session, slack_identity("U0MEMBER01"), now=NOW)
                raise RuntimeError("the unit of work fails after its write")
            assert db.read_rows(select(Member.id), {}) == []
    finally:
        db.dispose()


def test_a_read_that_fails_is_sqlalchemys_error_and_a_lost_connection_leaves_the_pool(db: Database):
    with pytest.raises(DBAPIError, match="no_such_column"):
        db.read_rows(select(Member.id).where(literal_column("no_such_column") == bindparam("id")), {"id": 1})
    assert db.read_rows(select(Member.id), {}) == []  # the pool's connection still serves
    if db.engine.dialect.name != "postgresql":
        return
    single = Database(db.url, pool_size=1)
    try:
        with single.engine.connect() as connection:
            backend = connection.scalar(text("SELECT pg_backend_pid()"))
        with db.engine.connect() as other:  # as a restarted server or a dropped link would
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
            other.commit()
        with pytest.raises(DBAPIError) as lost:
            single.read_rows(select(Member.id), {})
        assert lost.value.connection_invalidated
        assert single.read_rows(select(Member.id), {}) == []  # on a new connection
    finally:
        single.dispose()
