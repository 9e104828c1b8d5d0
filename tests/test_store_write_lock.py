"""SQLite's write lock: a writer waits for another to finish, in short pauses, and is refused
with the store's usual error only after ``BUSY_SECONDS``."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from surplace.config import Settings
from surplace.store import engine as engine_module
from surplace.store.engine import Store, open_store


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    store = open_store(Settings(store=str(tmp_path / "store")), create=True)
    with store.engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE note (body TEXT)")
    yield store
    store.dispose()


def _holder(store: Store) -> sqlite3.Connection:
    """Another connection (as another worker process would have) holding the write lock."""
    assert store.sqlite_path is not None
    holder = sqlite3.connect(store.sqlite_path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO note VALUES ('first')")
    return holder


def test_a_writer_waits_for_the_lock_and_writes_after_the_holder(sqlite_store: Store) -> None:
    holder = _holder(sqlite_store)
    releasing = threading.Event()

    def release() -> None:
        releasing.set()  # before the commit: the lock cannot be free until after it
        holder.execute("COMMIT")

    threading.Timer(0.3, release).start()
    with sqlite_store.engine.begin() as connection:
        # The lock is this transaction's only once the holder has committed.
        assert releasing.is_set()
        connection.exec_driver_sql("INSERT INTO note VALUES ('second')")
    with sqlite_store.engine.connect() as connection:
        bodies = [row[0] for row in connection.exec_driver_sql("SELECT body FROM note")]
    assert bodies == ["first", "second"]
    holder.close()


def test_a_writer_gives_up_after_the_busy_time_and_the_connection_stays_usable(
        sqlite_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "BUSY_SECONDS", 0.2)
    holder = _holder(sqlite_store)
    with pytest.raises(OperationalError, match="BEGIN IMMEDIATE"), \
            sqlite_store.engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO note VALUES ('refused')")
    holder.execute("COMMIT")
    holder.close()
    with sqlite_store.engine.begin() as connection:
        # SQLite's own handler is back for every other statement on this connection.
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 200  # 0.2 s
        connection.exec_driver_sql("INSERT INTO note VALUES ('later')")
    with sqlite_store.engine.connect() as connection:
        bodies = [row[0] for row in connection.exec_driver_sql("SELECT body FROM note")]
    assert bodies == ["first", "later"]
