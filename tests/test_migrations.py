from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from storage.db import Database
from storage.models import Base


def test_migrations_reach_head_from_empty(db: Database):
    assert db.current_revisions() == db.head_revisions()
    assert {"members", "due_items", "slack_deliveries"} <= set(inspect(db.engine).get_table_names())


def test_models_and_migrations_agree(db: Database):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_downgrade_to_nothing_and_up_again(db: Database):
    db.downgrade("base")
    assert db.current_revisions() == set()
    assert "members" not in inspect(db.engine).get_table_names()
    db.upgrade()
    assert db.current_revisions() == db.head_revisions()
