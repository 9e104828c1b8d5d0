"""Write a new Alembic migration by comparing the models with a store at the current head.

    .venv/bin/python scripts/new_migration.py "what changed"

It builds a throwaway SQLite store at head, autogenerates the difference, and leaves the new file
under src/surplace/store/migrations/versions/ for review.
"""

from __future__ import annotations

import sys
import tempfile

from alembic import command

from surplace.config import Settings
from surplace.store.engine import open_store
from surplace.store.migrate import alembic_config, upgrade


def main() -> None:
    message = sys.argv[1] if len(sys.argv) > 1 else "schema change"
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Settings(store=folder), create=True)
        upgrade(store)
        command.revision(alembic_config(store), message=message, autogenerate=True)
        store.dispose()


if __name__ == "__main__":
    main()
