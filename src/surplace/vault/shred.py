"""Emergency shredding: destroy every way into the data key, so the store can never be read again.

This is for a worker who is about to be searched, or whose office is about to be entered. It asks
for no passphrase, because the person may have no time to type one, or may be made to type it by
someone watching; it needs only the store to be reachable. What it destroys:

* every key slot's wrapped key, salt and nonce (the only ways from a passphrase to the data key),
* every generation link (each newer data key wrapped under the one before, and during a
  rotation the older wrapped under the newer),

by overwriting them with random bytes and then deleting the rows, and it sets
``vault_state.shredded_at``, all in one transaction: either everything is destroyed or nothing is.
Without a slot or a link no data key exists anywhere in the store, and every sealed value,
blind index and evidence file is noise. :func:`surplace.vault.service.unlock` then raises
:class:`~surplace.vault.exceptions.StoreShredded`.

Then the old bytes are chased out of the storage engine:

* **SQLite** deletes with ``secure_delete`` on (every connection turns it on), so deleted cells
  and freed pages are zeroed, and then ``PRAGMA wal_checkpoint(TRUNCATE)`` copies the zeroed pages
  into the database file and truncates the write-ahead log, where older page images holding the
  slots would otherwise survive. If another process keeps a read transaction open, the checkpoint
  cannot finish; the report says so (``wal_truncated=False``), and the next checkpoint completes it.
* **PostgreSQL** keeps the old row versions (an ``UPDATE`` writes a new version and leaves the old
  one, so the overwrite alone achieves nothing there), so ``VACUUM FULL key_slot,
  key_generation`` runs afterwards, outside a transaction, to rewrite both tables into new files.
  It waits at most a few seconds for locks; if it cannot get them, the report says so
  (``vacuumed=False``) and autovacuum removes the dead rows later.

What no program can reach: file-system blocks freed by truncation or by ``VACUUM FULL`` are not
overwritten (journalling and copy-on-write file systems and SSD wear levelling keep old blocks),
nor are PostgreSQL's own write-ahead log, archive, replicas or base backups, nor backups of the
store, nor the memory of a process that is unlocked at that moment. Full-disk encryption is what
protects those.

Shredding writes **no audit entry**. An entry is only worth something if the head of the chain is
signed, and signing needs the data key, which shredding neither has (it asks for no passphrase)
nor may leave behind. An unsigned entry would make the chain fail verification, and after the
shred nothing can verify the chain anyway, since the signature key is gone with the data key.
The one trace is ``vault_state.shredded_at``.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, bindparam, delete, func, select, update
from sqlalchemy.exc import OperationalError

from surplace.store.base import utcnow
from surplace.store.engine import Store
from surplace.store.exceptions import StoreNotFound
from surplace.vault.models import KeyGeneration, KeySlot, VaultState

#: How long PostgreSQL's ``VACUUM FULL`` may wait for locks held by other sessions.
VACUUM_LOCK_TIMEOUT = "5s"


@dataclass(frozen=True)
class ShredReport:
    slots_destroyed: int
    generations_destroyed: int
    already_shredded: bool
    wal_truncated: bool | None
    """SQLite: whether the write-ahead log was checkpointed and truncated (None on PostgreSQL)."""
    vacuumed: bool | None
    """PostgreSQL: whether ``VACUUM FULL`` rewrote the key tables (None on SQLite)."""
    seconds: float

    def describe(self) -> str:
        lines = [f"Store shredded: {self.slots_destroyed} key slots and "
                 f"{self.generations_destroyed} key generations destroyed in "
                 f"{self.seconds:.2f} s. Its data can no longer be read by anyone."]
        if self.wal_truncated is False:
            lines.append("The write-ahead log could not be truncated because another process "
                         "has the store open; close it and run the shred again.")
        if self.vacuumed is False:
            lines.append("VACUUM FULL could not lock the key tables; close other sessions and "
                         "run the shred again to remove the old row versions now.")
        return "\n".join(lines)


def _overwrite_and_delete(connection: Connection, table: Table, key: str,
                          secrets: tuple[str, ...]) -> int:
    """Overwrite the named columns of every row with random bytes of the same length, then
    delete the rows; the old values are never read into this process."""
    lengths = [func.length(table.c[name]) for name in secrets]
    rows = connection.execute(select(table.c[key], *lengths)).all()
    if rows:
        params: list[dict[str, Any]] = [
            {"b_key": row[0], **{f"b_{name}": None if size is None else os.urandom(int(size))
                                 for name, size in zip(secrets, row[1:], strict=True)}}
            for row in rows
        ]
        connection.execute(
            update(table).where(table.c[key] == bindparam("b_key"))
            .values({name: bindparam(f"b_{name}") for name in secrets}),
            params,
        )
        connection.execute(delete(table))
    return len(rows)


def _truncate_wal(store: Store) -> bool:
    """Checkpoint the write-ahead log into the database file and truncate it to zero bytes."""
    raw = store.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        row = cursor.fetchone()
        cursor.close()
        return row is not None and int(row[0]) == 0
    finally:
        raw.close()


def _vacuum_key_tables(store: Store) -> bool:
    try:
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql(f"SET lock_timeout = '{VACUUM_LOCK_TIMEOUT}'")
            connection.exec_driver_sql("VACUUM FULL key_slot, key_generation")
    except OperationalError:
        return False
    return True


def shred(store: Store) -> ShredReport:
    """Destroy every key slot and generation link of ``store``; needs no passphrase.

    Running it again on a shredded store is harmless: it finds nothing left to destroy and
    repeats the storage clean-up.
    """
    started = time.monotonic()
    slot_table, generation_table = KeySlot.__table__, KeyGeneration.__table__
    state_table = VaultState.__table__
    assert isinstance(slot_table, Table) and isinstance(generation_table, Table)
    assert isinstance(state_table, Table)
    with store.engine.begin() as connection:
        state = connection.execute(
            select(state_table.c.shredded_at).where(state_table.c.id == 1).with_for_update()
        ).first()
        if state is None:
            raise StoreNotFound("This store has no vault: there is nothing to shred.")
        already = state.shredded_at is not None
        slots = _overwrite_and_delete(connection, slot_table, "id",
                                      ("wrapped_key", "salt", "nonce"))
        generations = _overwrite_and_delete(connection, generation_table, "version",
                                            ("wrapped_by_previous", "link_nonce",
                                             "previous_wrapped", "back_nonce"))
        if not already:
            connection.execute(update(state_table).where(state_table.c.id == 1)
                               .values(shredded_at=utcnow()))
    wal_truncated = vacuumed = None
    if store.is_postgres:
        vacuumed = _vacuum_key_tables(store)
    else:
        wal_truncated = _truncate_wal(store)
    return ShredReport(slots, generations, already, wal_truncated, vacuumed,
                       time.monotonic() - started)
