"""Alembic environment: the engine comes from storage.db.Database, never from a file."""

from alembic import context
from sqlalchemy import Connection, Engine

from storage.db import make_engine
from storage.models import Base

config = context.config


def _engine() -> Engine:
    given: Engine | None = config.attributes.get("engine")
    if given is not None:
        return given
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("Alembic needs a database: an engine in config.attributes, or sqlalchemy.url")
    return make_engine(url)


engine = _engine()



def _sqlite_foreign_keys(connection: Connection, on: bool) -> None:
    """Batch mode rebuilds a SQLite table by copying it and dropping the old one; with foreign
    keys enforced, dropping a parent (members, events) would delete its children (ON DELETE
    CASCADE). SQLite ignores this pragma inside a transaction, so it goes to the driver's
    connection before SQLAlchemy begins one."""
    raw = connection.connection.driver_connection
    assert raw is not None
    raw.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        _sqlite_foreign_keys(connection, on=False)
    try:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
            render_as_batch=sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                # What enforcement would have caught, checked once the tables are rebuilt.
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    raise RuntimeError(f"the migration left rows whose foreign keys name nothing: {broken[:5]}")
    finally:
        if sqlite:
            connection.rollback()
            _sqlite_foreign_keys(connection, on=True)
