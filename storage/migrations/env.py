"""Alembic environment: the engine comes from storage.db.Database, never from a file."""

from alembic import context
from sqlalchemy import Engine

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

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
