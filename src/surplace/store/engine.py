"""Engines and sessions for the two back ends.

SQLite (the embedded default) runs in WAL mode with foreign keys on and ``secure_delete`` on, so
that deleted rows are overwritten rather than left in free pages; a session that may write opens
its transaction with ``BEGIN IMMEDIATE`` so that there is one writer at a time and a killed
process leaves nothing half-written. PostgreSQL serves a team; the schema is the same.

A read-only session (``read_only=True``: what a web page that changes nothing uses) opens a
deferred transaction instead: in WAL mode readers see one consistent snapshot without taking the
write lock, so they neither wait for each other nor for a writer. It refuses any write (a
deferred transaction that wrote would fail whenever another writer committed since its snapshot
began). The reads of sensitive fields it made are appended to the audit chain in a short write
transaction of their own when it ends, before its caller goes on: a read must leave a trace.

Engines hide bound parameters from error messages: a refused or failed statement must not carry
a value into a log or a ``--debug`` traceback.

A session carries the unlocked keyring (or none: a locked session can read only what is not
sensitive) and the acting user's id, which the audit chain records.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from surplace.config import Settings
from surplace.vault import audit
from surplace.vault.fields import AUDIT_READS, KEYRING
from surplace.vault.keyring import Keyring

SQLITE_FILE = "store.sqlite3"
#: The execution option that marks the connections of read-only sessions.
READ_ONLY = "surplace_read_only"
#: The first six letters of the statements that write (what the ORM and the services emit).
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLAC")
#: How long a writer waits for SQLite's write lock before the store is called busy.
BUSY_SECONDS = 10.0
#: The longest pause between two tries for the write lock.
_LONGEST_PAUSE = 0.002


class WriteInReadOnlySession(RuntimeError):
    """A read-only session tried to change the store: the caller should have asked for a
    session that may write."""

    def __init__(self) -> None:
        super().__init__("A read-only transaction cannot change the store.")


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
        cursor.execute(_busy_timeout())
        # Reads through a memory map of the file (shared by every connection and process, in
        # the operating system's page cache) instead of copying pages into each connection's
        # small private cache: joins over a large store cost half the CPU.
        cursor.execute("PRAGMA mmap_size=1073741824")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY, False):
            connection.exec_driver_sql("BEGIN")
        else:
            _begin_immediate(connection.connection.dbapi_connection)


def _busy_timeout() -> str:
    """SQLite's own wait for a lock, ``BUSY_SECONDS`` (read when asked: tests shorten it)."""
    return f"PRAGMA busy_timeout={int(BUSY_SECONDS * 1000)}"


def _begin_immediate(dbapi_connection: sqlite3.Connection) -> None:
    """``BEGIN IMMEDIATE``, waiting for the write lock in pauses of at most 2 ms.

    SQLite's own busy handler (``busy_timeout``) sleeps 1, 2, 5, 10, 15, 20, 25 … 100 ms
    between tries, and a writer that arrives later may take the lock while an earlier one
    sleeps: under a web server's load (every page that reads identities appends to the audit
    chain) a write that needs the lock for a millisecond waited for tens or hundreds
    (``benchmarks/web.py``). Here the lock is tried with SQLite's handler off, after pauses of
    0.1 ms doubling up to 2 ms, until ``BUSY_SECONDS``; then the store is busy, as before.
    Every other statement keeps SQLite's handler (a reader in WAL mode rarely needs it)."""
    deadline = time.monotonic() + BUSY_SECONDS
    pause = 0.0001
    dbapi_connection.execute("PRAGMA busy_timeout=0")
    try:
        while True:
            try:
                dbapi_connection.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if (error.sqlite_errorcode & 0xFF) != sqlite3.SQLITE_BUSY \
                        or time.monotonic() + pause > deadline:
                    raise OperationalError("BEGIN IMMEDIATE", None, error) from error
            time.sleep(pause)
            pause = min(pause * 2, _LONGEST_PAUSE)
    finally:
        dbapi_connection.execute(_busy_timeout())


def _refuse_writes_when_read_only(engine: Engine) -> None:
    @event.listens_for(engine, "before_cursor_execute")
    def _check(connection: Any, cursor: Any, statement: str, parameters: Any, context: Any,
               executemany: bool) -> None:
        if (connection.get_execution_options().get(READ_ONLY, False)
                and statement.lstrip()[:6].upper() in _WRITES):
            raise WriteInReadOnlySession


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

    @cached_property
    def reader(self) -> Engine:
        """The engine (same pool) whose connections open read-only transactions."""
        return self.engine.execution_options(**{READ_ONLY: True})

    @contextmanager
    def session(self, *, keyring: Keyring | None = None, actor_id: str | None = None,
                read_only: bool = False) -> Iterator[Session]:
        """One transaction: committed on success, rolled back on any error.

        Reads of sensitive fields made before a failure are still written to the audit chain,
        in a transaction of their own, because a read that happened must leave a trace.
        ``read_only``: see the module text.
        """
        if read_only:
            with self._read_only_session(keyring, actor_id) as session:
                yield session
            return
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

    @contextmanager
    def _read_only_session(self, keyring: Keyring | None,
                           actor_id: str | None) -> Iterator[Session]:
        session = _sessions(self.reader)()
        session.info[KEYRING] = keyring
        session.info[audit.ACTOR] = actor_id
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            reads = session.info.pop(AUDIT_READS, None)
            actor = session.info.get(audit.ACTOR)  # sign-in may have named the user meanwhile
            session.close()
            if reads and keyring is not None:
                with self.session(keyring=keyring, actor_id=actor) as trail:
                    trail.info[AUDIT_READS] = reads


_SESSIONMAKERS: dict[int, sessionmaker[Session]] = {}
#: Rows ANALYZE samples per index on SQLite: enough for the planner, quick on a large store.
ANALYSIS_LIMIT = 1000


def refresh_statistics(store: Store) -> None:
    """Give the query planner current table statistics (``ANALYZE``).

    Without them it guesses, and guesses wrong where one value fills an index: every case
    assigned to the one administrator made "this case's assignment to this user" walk every
    assignment of the user (tens of milliseconds at 50,000 cases) instead of the case's few.
    SQLite's are counts only (``sqlite_stat1``), sampled. PostgreSQL's autovacuum keeps its own
    where it runs, but a server may have it off (this project's test machines do), and a store
    just restored or imported has none until it has run: each of the store's own tables is
    analysed (a sample of rows; the other schemas of the database are left alone).
    """
    from surplace.schema import Base

    with store.engine.connect() as connection:
        if store.is_postgres:
            present = set(inspect(connection).get_table_names())
            tables = [table.name for table in Base.metadata.sorted_tables
                      if table.name in present]
            if tables:
                quote = connection.dialect.identifier_preparer.quote
                connection.exec_driver_sql(f"ANALYZE {', '.join(map(quote, tables))}")
        else:
            connection.exec_driver_sql(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
            connection.exec_driver_sql("ANALYZE")
        connection.commit()


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
    _refuse_writes_when_read_only(engine)
    if create:
        blob_dir.mkdir(parents=True, exist_ok=True)
    return Store(engine=engine, blob_dir=blob_dir, location=settings.store,
                 sqlite_path=sqlite_path)
