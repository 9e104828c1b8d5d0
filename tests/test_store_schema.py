"""Migrations build exactly the schema the models declare, on both back ends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from surplace.schema import Base
from surplace.store.engine import Store
from surplace.store.migrate import current_revision, head_revision, upgrade


def test_migrations_match_models(store: Store) -> None:
    upgrade(store)
    assert current_revision(store) == head_revision(store)
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_upgrade_is_idempotent(store: Store) -> None:
    upgrade(store)
    upgrade(store)
    assert current_revision(store) == head_revision(store)
