"""A page of `/tech events` reads its own events' answers, not every answer in the network: its
statement, explained by each database on a store as a bulk load or a fresh install leaves it
(no planner statistics), finds answers and their members by index, never by a full scan (the few
members who have left aside: read once a page, see counting)."""

from __future__ import annotations

import re
from datetime import datetime, UTC
from typing import Any

from sqlalchemy import func, select

from bench import network
from storage import events
from storage.db import Database, _DriverRead
from storage.events.listing import _page_statement
from storage.models.events import Event, Rsvp

NOW = datetime(2026, 12, 7, 9, tzinfo=UTC)
MEMBERS = 2_000  # 20,000 answers to 1,000 events: at this size PostgreSQL would weigh a full scan
# A scan of ix_members_left reads only the members who have left (a partial index), not every member.
FULL_SCAN = re.compile(r"(Seq Scan on|\bSCAN) (event_rsvps|members|events)(_\d+)?\b"
                       r"(?! USING (COVERING )?INDEX ix_members_left)")


def explained_page(db: Database, viewer: int, *, mine: bool) -> list[str]:
    """The lines of the database's plan for the page's statement, compiled as `Database.read_rows`
    compiles it (on SQLite with named parameters: sqlite3 takes them as a dict)."""
    page = events.events_page(db, now=NOW, until=NOW + events.DEFAULT_HORIZON, viewer=viewer, mine=mine)
    assert page.items, "the plan of an empty page would not show how answers are counted"
    dialect: Any = db.engine.dialect
    if dialect.name == "sqlite":
        dialect = type(dialect)(paramstyle="named")
    read = _DriverRead.of(_page_statement(True, mine), dialect)
    parameters = read.parameters({"now": NOW, "until": NOW + events.DEFAULT_HORIZON, "viewer": viewer,
                                  "limit": page.limit, "offset": 0})
    explain = "EXPLAIN " if dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
    with db.engine.connect() as connection:
        return [str(row[-1]) for row in connection.exec_driver_sql(explain + read.sql, parameters)]


def counting(plan: list[str]) -> list[str]:
    """The plan without the members who have left (the CTE left_members). Without statistics PostgreSQL
    reads them by scanning members, once a page whatever its size, as a hash every count leaves out;
    with them (ix_members_left being small) by the partial index."""
    skipped = next((n for n, line in enumerate(plan) if "CTE left_members" in line), None)
    return plan if skipped is None or "Seq Scan on members " not in plan[skipped + 1] \
        else plan[:skipped + 1] + plan[skipped + 2:]


def test_a_page_counts_its_own_events_answers_by_index(db: Database):
    data = network.generate(MEMBERS, now=NOW, seed=3)
    network.populate(db, data, analyse=False)  # as a bulk load or a fresh install leaves it
    with db.reading() as session:
        coming = select(Event.id).where(Event.ends_at > NOW, Event.starts_at < NOW + events.DEFAULT_HORIZON)
        viewer = session.scalars(select(Rsvp.member_id).where(Rsvp.event_id.in_(coming), Rsvp.status == events.GOING)
                                 .order_by(Rsvp.id).limit(1)).one()
        assert (session.scalar(select(func.count()).select_from(coming.subquery())) or 0) > 10
    assert len(data.rsvps) > 15_000

    for mine in (False, True):
        plan = explained_page(db, viewer, mine=mine)
        assert not [line for line in counting(plan) if FULL_SCAN.search(line)], "\n".join(plan)
