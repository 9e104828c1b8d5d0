"""Alembic environment: the engine comes from the opened store, the schema from surplace.schema."""

from __future__ import annotations

from alembic import context

from surplace.schema import Base

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Batch migrations rebuild a SQLite table by copy, drop and rename; with foreign keys
        # enforced, dropping a table others refer to fails. The pragma only takes effect
        # outside a transaction, so it goes straight to the driver before Alembic begins one,
        # and the keys are checked as a whole once the migration is done.
        connection.connection.driver_connection.execute(
            "PRAGMA foreign_keys=OFF")
    try:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"Migration left {len(broken)} broken references "
                                       f"(first in table {broken[0][0]}); nothing was changed.")
        connection.commit()
    finally:
        if sqlite:  # a pooled connection must not go back with its keys unchecked
            connection.connection.driver_connection.execute(
                "PRAGMA foreign_keys=ON")
