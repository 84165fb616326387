"""Database.reading_statement: the connection every request reads its member on (and a page of
events), with no ORM Session, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, UTC
from typing import Any

from sqlalchemy import select

from bot.slack_refs import role_grants, slack_identity
from storage import members
from storage.db import Database
from storage.members import Role
from storage.models import Member

NOW = datetime(2026, 12, 7, 9, tzinfo=UTC)


def test_the_member_is_recognised_on_a_connection_with_every_role(db: Database):
    with db.transaction() as session:
        member = members.ensure_member(session, slack_identity("U0MEMBER01"), now=NOW)
        members.touch(member, NOW)
        members.grant_role(session, None, slack_identity("U0MEMBER01"), Role.PANEL)
        member_id = member.id
    grants = role_grants(organisers=["U0MEMBER01"])

    with db.reading_statement() as connection:
        today = members.recognise(connection, slack_identity("U0MEMBER01"), grants, now=NOW)
        tomorrow = members.recognise(connection, slack_identity("U0MEMBER01"), grants, now=NOW + timedelta(days=1))
        stranger = members.recognise(connection, slack_identity("U0STRANGER"), grants, now=NOW)

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
