"""Engines and sessions for the two back ends.

SQLite (the embedded default) runs in WAL mode with foreign keys on and ``secure_delete`` on, so
that deleted rows are overwritten rather than left in free pages; every session opens its
transaction with ``BEGIN IMMEDIATE`` so that there is one writer at a time and a killed process
leaves nothing half-written. PostgreSQL serves a team; the schema is the same.

Engines hide bound parameters from error messages: a refused or failed statement must not carry
a value into a log or a ``--debug`` traceback.

A session carries the unlocked keyring (or none: a locked session can read only what is not
sensitive) and the acting user's id, which the audit chain records.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from surplace.config import Settings
from surplace.vault import audit
from surplace.vault.fields import AUDIT_READS, KEYRING
from surplace.vault.keyring import Keyring

SQLITE_FILE = "store.sqlite3"


def _postgres_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith(
        "postgresql://") else url


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@dataclass
class Store:
    """An opened store: its engine, its blob folder, and where it lives."""

    engine: Engine
    blob_dir: Path
    location: str
    sqlite_path: Path | None

    @property
    def is_postgres(self) -> bool:
        return self.sqlite_path is None

    def dispose(self) -> None:
        self.engine.dispose()

    @contextmanager
    def session(self, *, keyring: Keyring | None = None,
                actor_id: str | None = None) -> Iterator[Session]:
        """One transaction: committed on success, rolled back on any error.

        Reads of sensitive fields made before a failure are still written to the audit chain,
        in a transaction of their own, because a read that happened must leave a trace.
        """
        session = _sessions(self.engine)()
        session.info[KEYRING] = keyring
        session.info[audit.ACTOR] = actor_id
        audit.install(session)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            if keyring is not None and session.info.get(AUDIT_READS):
                audit.flush_reads(session)
                session.commit()
            raise
        finally:
            session.close()


_SESSIONMAKERS: dict[int, sessionmaker[Session]] = {}


def _sessions(engine: Engine) -> sessionmaker[Session]:
    key = id(engine)
    if key not in _SESSIONMAKERS:
        _SESSIONMAKERS[key] = sessionmaker(engine, expire_on_commit=False)
    return _SESSIONMAKERS[key]


def open_store(settings: Settings, *, create: bool = False) -> Store:
    """Open the store the settings name; with ``create``, make its folder first."""
    from surplace.store.exceptions import StoreNotFound

    if settings.is_postgres:
        if settings.blob_dir is None:
            raise StoreNotFound(
                "A PostgreSQL store needs a blob folder: set --blob-dir or SURPLACE_BLOB_DIR."
            )
        engine = create_engine(_postgres_url(settings.store), pool_pre_ping=True,
                               hide_parameters=True)
        blob_dir = settings.blob_dir
        sqlite_path = None
    else:
        folder = Path(settings.store)
        sqlite_path = folder / SQLITE_FILE
        if not create and not sqlite_path.exists():
            raise StoreNotFound(
                f"No store in {folder}: run 'surplace init' first, or name another with --store."
            )
        folder.mkdir(parents=True, exist_ok=True)
        engine = create_engine(f"sqlite:///{sqlite_path}", hide_parameters=True)
        _configure_sqlite(engine)
        blob_dir = settings.blob_dir or folder / "blobs"
    if create:
        blob_dir.mkdir(parents=True, exist_ok=True)
    return Store(engine=engine, blob_dir=blob_dir, location=settings.store,
                 sqlite_path=sqlite_path)
