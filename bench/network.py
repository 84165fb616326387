"""A large network for the benches: N members, about 10 RSVPs each, events around today.

The records are the report tests' generator's (tests/report_data.py) with the bench's proportions:
members who joined over the last two years, 10 RSVPs a member, one event for every 20 RSVPs spread
from two years ago to 60 days ahead (so at 10,000 members: 100,000 RSVPs, 5,000 events, about 355 of
them in the next 8 weeks, 320 not cancelled), and every other feature's records to match. They are
written with bulk inserts (SQLAlchemy Core) into a fresh, migrated database, dated from the real
clock, because the server under test reads it as today.

    .venv/bin/python bench/network.py --members 10000       # a SQLite file, kept: technet-bench.db
    .venv/bin/python bench/network.py --members 10000 --database-url postgresql+psycopg://postgres@127.0.0.1/test
        # creates (or recreates) the database technet_bench on that server, and keeps it
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, UTC
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select, text  # noqa: E402 - after sys.path has the repository
from sqlalchemy.engine import make_url  # noqa: E402 - after sys.path has the repository
from sqlalchemy.sql.elements import ColumnElement  # noqa: E402 - after sys.path has the repository

from storage.db import Database  # noqa: E402 - after sys.path has the repository
from storage.models import Base, Member  # noqa: E402 - after sys.path has the repository
from storage.models.events import Event, Rsvp  # noqa: E402 - after sys.path has the repository
from tests import report_data  # noqa: E402 - after sys.path has the repository

RSVPS_PER_MEMBER = 10
HISTORY = timedelta(days=730)
AHEAD = timedelta(weeks=8)


@dataclass(frozen=True)
class Counts:
    """What the database holds after `populate`, counted there."""

    members: int
    rsvps: int
    events: int
    upcoming: int  # scheduled events starting in the next 8 weeks


def create_database(url: str, name: str) -> str:
    """(Re)create the database `name` on the server of `url`; its URL."""
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str, name: str) -> None:
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@contextmanager
def fresh_database(url: str | None, name: str) -> Iterator[Database]:
    """A new, migrated database, gone afterwards: a temporary SQLite file, or the database `name`
    created on the server of `url` (which names any database there, to connect to)."""
    if url is None:
        with tempfile.TemporaryDirectory() as folder:
            db = Database(f"sqlite:///{folder}/{name}.db")
            db.upgrade()
            try:
                yield db
            finally:
                db.dispose()
        return
    db = Database(create_database(url, name))
    try:
        db.upgrade()
        yield db
    finally:
        db.dispose()
        drop_database(url, name)


def generate(members: int, *, now: datetime, seed: int = 14) -> report_data.Dataset:
    """The records of a network of `members` people (plus two bots) as of `now`."""
    return report_data.generate(members=members, seed=seed, start=now - HISTORY, now=now,
                                rsvps=members * RSVPS_PER_MEMBER)


def populate(db: Database, data: report_data.Dataset, *, analyse: bool = True) -> Counts:
    """Write the records into a migrated, empty database, and vacuum and analyse it as autovacuum would
    after a bulk load (a server may run without autovacuum, as this machine's does: a store with no
    planner statistics, or whose pages are not yet marked all-visible for index-only scans, is one no
    deployment runs for long); what it then holds."""
    with db.transaction() as session:
        report_data.load(session, data)
    if analyse:
        postgresql = db.engine.dialect.name == "postgresql"
        # VACUUM cannot run inside a transaction; SQLite's would rewrite the file for nothing.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE" if postgresql else "ANALYZE"))
    with db.reading() as session:
        def count(model: type[Base], *where: ColumnElement[bool]) -> int:
            return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()

        return Counts(
            members=count(Member), rsvps=count(Rsvp), events=count(Event),
            upcoming=count(Event, Event.status == "scheduled", Event.starts_at > data.now,
                           Event.starts_at <= data.now + AHEAD))


def askers(data: report_data.Dataset, n: int) -> list[str]:
    """Slack ids of `n` current members, to send the bench's requests as."""
    return [m.slack_user_id for m in data.people() if not m.deactivated][:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--database-url", help="a PostgreSQL server to create technet_bench on "
                                               "(default: the SQLite file technet-bench.db here)")
    args = parser.parse_args()
    began = time.perf_counter()
    data = generate(args.members, now=datetime.now(UTC), seed=args.seed)
    if args.database_url:
        url = create_database(args.database_url, "technet_bench")
    else:
        Path("technet-bench.db").unlink(missing_ok=True)
        url = "sqlite:///technet-bench.db"
    db = Database(url)
    db.upgrade()
    counts = populate(db, data)
    db.dispose()
    print(f"{counts.members:,} members, {counts.rsvps:,} RSVPs, {counts.events:,} events "
          f"({counts.upcoming} in the next 8 weeks) in {url} in {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
