"""Engine, unit of work and migrations. Built by the app factory, never at import."""

from __future__ import annotations

import sqlite3
import time
from collections import namedtuple
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from sqlalchemy import Connection, CursorResult, Dialect, Engine, Result, Select, create_engine, event, text
from sqlalchemy.engine import Compiled, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, StatementError
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"


class SchemaOutOfDate(Exception):
    pass


# Every id is an Integer column, and PostgreSQL's holds at most this (SQLite's holds more):
# no row ever had a larger id, so a larger number names nothing, on either database.
LARGEST_ID = 2**31 - 1


def storable_id(value: Any) -> bool:
    """Whether `value` could be an id in our tables: a whole number from 1 to LARGEST_ID."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= LARGEST_ID


class LookupSession(Session):
    """A Session whose lookup by key finds nothing for a number no Integer column can hold.

    Asking the database would fail instead (PostgreSQL: NumericValueOutOfRange beyond 2**31;
    SQLite: OverflowError beyond 2**63), and an id that never existed is simply not found.
    """

    def get(self, entity: Any, ident: Any, **kwargs: Any) -> Any:
        parts = ident.values() if isinstance(ident, dict) else ident if isinstance(ident, tuple | list) else (ident,)
        if any(isinstance(part, int) and not -LARGEST_ID - 1 <= part <= LARGEST_ID for part in parts):
            return None
        return super().get(entity, ident, **kwargs)


class Database:
    def __init__(self, url: str, *, pool_size: int = 10):
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size)
        self.sessions = sessionmaker(self.engine, class_=LookupSession, expire_on_commit=False)
        self._read_sessions = sessionmaker(self.engine.execution_options(technet_read_only=True),
                                           class_=LookupSession)
        # One statement needs no transaction of its own: on PostgreSQL it runs in autocommit, which
        # saves the BEGIN and ROLLBACK round trips around it.
        # SQLite has no round trips to save: its reads keep their BEGIN.
        one = self.engine.execution_options(technet_read_only=True, isolation_level="AUTOCOMMIT") \
            if self.engine.dialect.name == "postgresql" else self.engine.execution_options(technet_read_only=True)
        self._one_statement = one
        self._driver_reads: dict[Select[*tuple[Any, ...]], _DriverRead] = {}

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commits when the block ends, rolls back if it raises."""
        with self.sessions.begin() as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A unit of work that only reads: never commits, and on SQLite takes no write lock."""
        with self._read_sessions() as session:
            yield session
            session.rollback()

    @contextmanager
    def reading_statement(self) -> Iterator[Connection]:
        """A connection for a read of one Core statement (it sees one snapshot by itself), with no ORM
        Session around it: a download's token (the member's lookup and the page of events go
        further, `read_rows`). Autocommit on PostgreSQL (no BEGIN and ROLLBACK round trips); without
        a Session's own work, whose bookkeeping and ORM execution path cost more CPU than a lookup.

        Several statements here would each see the database as it is when they run; use
        `reading()` for those.
        """
        with self._one_statement.connect() as connection:
            yield connection

    def read_rows(self, statement: Select[*tuple[Any, ...]], params: Mapping[str, Any]) -> Sequence[Any]:
        """The rows of one Core SELECT of plain columns, read on its own (it sees one snapshot by
        itself), each read by position or by its column's name as SQLAlchemy's Row is: what every
        request asks first (its member), and the page of events.

        On PostgreSQL through the driver, on a pooled connection in autocommit: the statement is
        compiled once, its parameters and columns converted as SQLAlchemy would (our UTC datetimes),
        and SQLAlchemy's execution path, which cost the lookup more CPU than its round trip, is
        skipped. As from any other read, a value refused going in is a StatementError and the
        driver's failure a DBAPIError; a lost connection is dropped from the pool. On SQLite (no
        round trip to save; its driver returns text for datetimes and JSON) through Core on
        `reading_statement`'s connection.
        """
        read = self._driver_reads.get(statement)
        if read is None:  # compiled on SQLite too, so that a statement refused on one is refused on both
            read = self._driver_reads[statement] = _DriverRead.of(statement, self.engine.dialect)
        if self.engine.dialect.name != "postgresql":
            with self.reading_statement() as connection:
                return connection.execute(statement, dict(params)).all()
        try:
            parameters = read.parameters(params)
        except (TypeError, ValueError) as error:  # as SQLAlchemy reports a value it cannot convert
            raise StatementError(str(error), read.sql, dict(params), error) from error
        pooled = self.engine.raw_connection()
        driver = pooled.driver_connection
        assert driver is not None  # a connection the pool has just handed out is open
        try:
            driver.autocommit = True
            try:
                rows = driver.execute(read.sql, parameters).fetchall()
            finally:
                driver.autocommit = False  # as the pool hands it to the next unit of work
        except self.engine.dialect.loaded_dbapi.Error as error:
            lost = self.engine.dialect.is_disconnect(error, pooled.dbapi_connection, None)
            if lost:
                pooled.invalidate(error)
            raise DBAPIError.instance(read.sql, dict(params), error, self.engine.dialect.loaded_dbapi.Error,
                                      connection_invalidated=lost, dialect=self.engine.dialect) from error
        finally:
            pooled.close()
        return [read.converted(row) for row in rows]

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    # Migrations -----------------------------------------------------------------
    def alembic_config(self) -> Config:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["engine"] = self.engine
        return config

    def upgrade(self, revision: str = "heads") -> None:
        command.upgrade(self.alembic_config(), revision)

    def downgrade(self, revision: str) -> None:
        command.downgrade(self.alembic_config(), revision)

    def current_revisions(self) -> set[str]:
        with self.engine.connect() as connection:
            return set(MigrationContext.configure(connection).get_current_heads())

    def head_revisions(self) -> set[str]:
        return set(ScriptDirectory.from_config(self.alembic_config()).get_heads())

    def check_schema(self) -> None:
        current, heads = self.current_revisions(), self.head_revisions()
        if current != heads:
            state = "empty" if not current else f"at revision {', '.join(sorted(current))}"
            where = make_url(self.url).render_as_string(hide_password=True)
            raise SchemaOutOfDate(
                f"the database ({where}) is {state}, this code needs {', '.join(sorted(heads))}: "
                "run `technet db upgrade`"
            )

    def dispose(self) -> None:
        self.engine.dispose()


@dataclass(frozen=True)
class _DriverRead:
    """A Core SELECT compiled for the driver, with its parameters' and columns' conversions."""

    compiled: Compiled
    sql: str
    binds: tuple[tuple[str, Callable[[Any], Any]], ...]
    columns: tuple[Callable[[Any], Any] | None, ...]
    # A row by position and by its column's name, as SQLAlchemy's Row reads.
    named: Callable[[Iterable[Any]], Sequence[Any]]

    @classmethod
    def of(cls, statement: Select[*tuple[Any, ...]], dialect: Dialect) -> _DriverRead:
        compiled = statement.compile(dialect=dialect)
        expanded = sorted(name for name, bind in compiled.binds.items() if bind.expanding or bind.literal_execute)
        if expanded:
            # Such a parameter is rendered into the SQL as each statement runs (an IN's list, a
            # LIMIT on some databases): a statement compiled once cannot carry it.
            raise ValueError(f"read_rows runs a statement compiled once; these parameters are rendered "
                             f"as it runs: {', '.join(expanded)}")
        binds = ((name, bind.type.dialect_impl(dialect).bind_processor(dialect))
                 for name, bind in compiled.binds.items())
        columns = (column.type.dialect_impl(dialect).result_processor(dialect, None)
                   for column in statement.selected_columns)
        # Its names are the statement's, known as it runs (hence the ignore); rename: a name no tuple can carry.
        row: Any = namedtuple("Row", statement.selected_columns.keys(), rename=True)  # type: ignore[misc]
        return cls(compiled, str(compiled), tuple((name, p) for name, p in binds if p is not None), tuple(columns),
                   row._make)

    def parameters(self, params: Mapping[str, Any]) -> dict[str, Any]:
        values = dict(self.compiled.construct_params(dict(params)) or {})
        for name, process in self.binds:
            values[name] = process(values[name])
        return values

    def converted(self, row: Sequence[Any]) -> Sequence[Any]:
        return self.named(value if process is None else process(value)
                          for value, process in zip(row, self.columns, strict=True))


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 15})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size)
    _ping_when_idle(engine)
    return engine


# A connection used this recently is taken to be alive; one idle for longer is pinged first.
PING_AFTER_IDLE_SECONDS = 5.0


def _ping_when_idle(engine: Engine) -> None:
    """SQLAlchemy's pool_pre_ping, but only for a connection that has sat idle in the pool.

    pool_pre_ping pings on every checkout: on a busy server, one round trip in three of a
    request's lookup. A connection back in use within seconds was alive a moment ago; one idle
    longer (the server restarted, a firewall dropped it) is pinged, and replaced when it fails.
    """

    @event.listens_for(engine, "checkin")
    def checked_in(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info["technet_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def checked_out(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection) -> None:
        idle_since = record.info.get("technet_idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return  # a new connection, or one in use a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as e:
            if engine.dialect.is_disconnect(e, dbapi_connection, None):
                raise DisconnectionError("the connection was lost while idle") from e  # the pool makes another
            raise


def _sqlite_connect(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; we issue BEGIN ourselves.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets the HTTP server's threads read while the scheduler writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # IMMEDIATE takes the write lock up front: a deferred transaction that reads and
    # then writes fails at once with SQLITE_BUSY when another thread wrote meanwhile.
    # Read-only units of work (Database.reading) need no lock and run side by side.
    read_only = connection.get_execution_options().get("technet_read_only")
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def rowcount(result: Result[Any]) -> int:
    """The rows an UPDATE or DELETE matched.

    Session.execute is typed to return a Result; for these statements it is the CursorResult that counts them.
    """
    return cast(CursorResult[Any], result).rowcount
