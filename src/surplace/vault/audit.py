"""The audit chain: every write and every read of a sensitive field, hash-chained and signed.

Each entry records who (user id), what (action), which object (table and row id, and the field
for reads), when, and a small JSON detail that never holds a value from a sensitive field. Entry
``n`` carries ``SHA-256(entry_hash[n-1] || canonical(entry n))``; the chain starts from the
SHA-256 of the store id, and its head (last sequence number and hash) is signed with an Ed25519
key derived from the data key. Entries are written in the same transaction as the change they
describe, so a rolled-back change leaves no entry and a committed one always has its entries.

Writes are found by SQLAlchemy's flush events, so no service can forget to audit; reads are
collected by :class:`~surplace.vault.fields.Sensitive` and written when the session commits (or,
after a failure, in a transaction of their own).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from json.encoder import encode_basestring as _json_string
from typing import Any

from cryptography.exceptions import InvalidSignature
from sqlalchemy import (
    Connection,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    bindparam,
    insert,
    select,
    update,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Row
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.orm.base import PASSIVE_NO_INITIALIZE

from surplace.store.base import Base
from surplace.vault.exceptions import AuditChainBroken
from surplace.vault.fields import AUDIT_READS, keyring_of
from surplace.vault.keyring import Keyring

ACTOR = "surplace.actor"
AUDITED = "surplace.audited"
_SEPARATOR = "\x1f"


class AuditEntry(Base):
    __tablename__ = "audit_entry"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    action: Mapped[str] = mapped_column(String(32), index=True)
    object_type: Mapped[str] = mapped_column(String(64), index=True)
    object_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    field: Mapped[str | None] = mapped_column(String(64), nullable=True)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    prev_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    entry_hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditHead(Base):
    """One row: the last entry's sequence number and hash, signed."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    entry_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    key_version: Mapped[int] = mapped_column(Integer)
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))


@dataclass(frozen=True)
class Event:
    action: str
    object_type: str
    object_id: str | None = None
    field: str | None = None
    detail: dict[str, Any] | None = None


def genesis_hash(store_id: str) -> bytes:
    return hashlib.sha256(b"surplace-audit-genesis" + store_id.encode()).digest()


def entry_hash(
    prev_hash: bytes,
    seq: int,
    at: str,
    actor_id: str | None,
    action: str,
    object_type: str,
    object_id: str | None,
    field: str | None,
    detail: str | None,
) -> bytes:
    # JSON keeps None apart from "" and no field can forge a separator. The canonical form is
    # ``json.dumps([...], ensure_ascii=False, separators=(",", ":"))``; for the usual types it is
    # built here from json's own string encoder, byte for byte the same, at less than half the
    # cost (verification hashes every entry of the chain).
    try:
        if type(seq) is not int:
            raise TypeError
        canonical = (
            f"[{seq},{_json_string(at)},{_json_optional(actor_id)},{_json_string(action)},"
            f"{_json_string(object_type)},{_json_optional(object_id)},{_json_optional(field)},"
            f"{_json_optional(detail)}]"
        )
    except TypeError:  # not the usual types: json itself decides, as it always did
        canonical = _CANONICAL_JSON.encode(
            [seq, at, actor_id, action, object_type, object_id, field, detail])
    return hashlib.sha256(prev_hash + canonical.encode("utf-8")).digest()


_CANONICAL_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _json_optional(value: str | None) -> str:
    return "null" if value is None else _json_string(value)


def head_message(store_id: str, seq: int, last_hash: bytes) -> bytes:
    return f"surplace-audit-head{_SEPARATOR}{store_id}{_SEPARATOR}{seq}".encode() + last_hash


# The statements ``append`` runs, built once: every request that reads a sealed field appends,
# and building them anew (ORM column coercion, one bound literal per value) cost several times
# what running them does. They are Core statements on the tables, since nothing of the ORM
# (no events, no identity map) applies to the chain's own rows.
_ENTRIES: Table = AuditEntry.__table__  # type: ignore[assignment]
_HEADS: Table = AuditHead.__table__  # type: ignore[assignment]
_READ_HEAD = (select(_HEADS.c.seq, _HEADS.c.entry_hash, _HEADS.c.key_version,
                     _HEADS.c.signature).where(_HEADS.c.id == 1).with_for_update())
# The last entry is read by a statement of its own, after the head's row lock is held: on
# PostgreSQL a statement that waited for that lock sees the head as the other writer left it
# but the rest of the database as it was when the statement began, so the last entry read in
# the same statement would be the one before the other writer's.
_LAST_ENTRY = (select(_ENTRIES.c.seq, _ENTRIES.c.entry_hash)
               .order_by(_ENTRIES.c.seq.desc()).limit(1))
_INSERT_ENTRIES = insert(_ENTRIES)
_HEAD_COLUMNS = ("seq", "entry_hash", "key_version", "signature")
_UPDATE_HEAD = update(_HEADS).where(_HEADS.c.id == 1).values(
    {name: bindparam(f"new_{name}") for name in _HEAD_COLUMNS})
_INSERT_HEAD = insert(_HEADS)
#: On SQLite, entries go in as multi-row INSERTs of at most this many rows (10 values a row,
#: well under SQLite's limit on bound values): one statement for a page's reads, where
#: ``executemany`` steps once a row.
_ROWS_PER_INSERT = 500
_ENTRY_COLUMNS = ("seq", "at", "actor_id", "action", "object_type", "object_id", "field",
                  "detail", "prev_hash", "entry_hash")
#: Per store: the last head this process signed or found correctly signed. A head that is still
#: exactly that one needs no second verification (the same bytes under the same key give the
#: same answer); any other head is verified as before.
_TRUSTED_HEADS: dict[str, tuple[int, bytes, int, bytes]] = {}


def append(session: Session, events: Sequence[Event]) -> None:
    """Append events to the chain inside the session's current transaction."""
    if not events:
        return
    keyring = keyring_of(session, "the audit chain")
    connection = session.connection()
    head = connection.execute(_READ_HEAD).first()
    seq, prev = (head[0], bytes(head[1])) if head else (0, genesis_hash(keyring.store_id))
    _check_head_before_extending(connection, keyring, head)
    actor = session.info.get(ACTOR)
    at = datetime.now(UTC).isoformat(timespec="microseconds")
    rows: list[dict[str, Any]] = []
    for item in events:
        seq += 1
        detail = None if item.detail is None else json.dumps(item.detail, sort_keys=True)
        digest = entry_hash(
            prev, seq, at, actor, item.action, item.object_type, item.object_id, item.field, detail
        )
        rows.append(
            {"seq": seq, "at": at, "actor_id": actor, "action": item.action,
             "object_type": item.object_type, "object_id": item.object_id, "field": item.field,
             "detail": detail, "prev_hash": prev, "entry_hash": digest}
        )
        prev = digest
    _insert_entries(connection, rows)
    key = keyring.current
    signature = key.signing_key.sign(head_message(keyring.store_id, seq, prev))
    head_values = {"seq": seq, "entry_hash": prev, "key_version": key.version,
                   "signature": signature}
    if head:
        connection.execute(_UPDATE_HEAD, {f"new_{name}": value
                                          for name, value in head_values.items()})
    else:
        connection.execute(_INSERT_HEAD, {"id": 1, **head_values})
    _TRUSTED_HEADS[keyring.store_id] = (seq, prev, key.version, signature)


def _insert_entries(connection: Connection, rows: list[dict[str, Any]]) -> None:
    """On SQLite, the rows as multi-row INSERTs written for the driver (``executemany`` steps
    once a row, and each step lets another thread have the interpreter while the write lock is
    held; SQLAlchemy's ``insert().values()`` with a list binds and compiles anew on every call,
    which cost more than the rows). The columns are plain strings, integers and bytes, which
    need no type processing. On PostgreSQL psycopg already sends an ``executemany`` as one
    pipeline, faster there than a long multi-row statement (100,000 entries: 5.8 s against
    11.9 s)."""
    if connection.dialect.paramstyle != "qmark":
        connection.execute(_INSERT_ENTRIES, rows)
        return
    one_row = f"({', '.join('?' * len(_ENTRY_COLUMNS))})"
    for start in range(0, len(rows), _ROWS_PER_INSERT):
        chunk = rows[start:start + _ROWS_PER_INSERT]
        values = tuple(row[name] for row in chunk for name in _ENTRY_COLUMNS)
        statement = (f"INSERT INTO audit_entry ({', '.join(_ENTRY_COLUMNS)}) "  # noqa: S608
                     f"VALUES {', '.join([one_row] * len(chunk))}")  # fixed names, bound values
        connection.exec_driver_sql(statement, values)


def _check_head_before_extending(connection: Connection, keyring: Keyring,
                                 head: Row[int, bytes, int, bytes] | None) -> None:
    """Refuse to extend a chain whose signed head does not match its last entry.

    Appending re-signs the head; without this check the next ordinary write would launder a
    forged head (entries cut from the end and the head moved back) into a valid signature.
    """
    last = connection.execute(_LAST_ENTRY).first()
    if head is None:
        if last is not None:
            raise AuditChainBroken("its signed head is missing")
        return
    seq, last_hash, key_version, signature = head
    if last is None or last[0] != seq or bytes(last[1]) != bytes(last_hash):
        raise AuditChainBroken(f"its signed head names entry {seq}, which is not its last entry")
    found = (seq, bytes(last_hash), key_version, bytes(signature))
    if _TRUSTED_HEADS.get(keyring.store_id) == found:
        return
    try:
        keyring.get(key_version).signing_key.public_key().verify(
            bytes(signature), head_message(keyring.store_id, seq, bytes(last_hash)))
    except InvalidSignature:
        raise AuditChainBroken("its head signature is not valid") from None
    _TRUSTED_HEADS[keyring.store_id] = found


def record(session: Session, action: str, object_type: str, object_id: str | None = None,
           *, detail: dict[str, Any] | None = None) -> None:
    """Record an event that is not a table write (unlock, export, shred, file view …)."""
    append(session, [Event(action, object_type, object_id, None, detail)])


_UNAUDITED_TABLES = {"audit_entry", "audit_head"}


def _changed_fields(obj: object) -> list[str]:
    # Only an attribute with an entry in ``committed_state`` can have changes (the ORM records
    # the old value there on the first set), so the history is asked for those alone rather than
    # for every attribute of every object: the same answer, at a fraction of the cost on a bulk
    # insert.
    state = sa_inspect(obj)
    names = set()
    for key in state.committed_state:
        if key.endswith("_bidx"):
            continue
        if state.get_history(key, PASSIVE_NO_INITIALIZE).has_changes():
            names.add(key.removesuffix("_sealed"))
    return sorted(names)


def _write_events(session: Session) -> list[Event]:
    events: list[Event] = []
    for action, objects in (("create", session.new), ("update", session.dirty),
                            ("delete", session.deleted)):
        for obj in objects:
            table = getattr(obj, "__tablename__", None)
            if table is None or table in _UNAUDITED_TABLES:
                continue
            if action == "update" and not session.is_modified(obj):
                continue
            identity = sa_inspect(obj).identity
            object_id = getattr(obj, "id", None) or (identity[0] if identity else None)
            fields = None if action == "delete" else {"fields": _changed_fields(obj)}
            events.append(Event(action, table, str(object_id), None, fields))
    return events


def _read_events(session: Session) -> list[Event]:
    reads: set[tuple[str, str, str]] = session.info.pop(AUDIT_READS, set())
    return [Event("read", table, object_id, field) for table, object_id, field in sorted(reads)]


def install(session: Session) -> None:
    """Make this session audit its writes and sensitive reads."""
    session.info[AUDITED] = True


def flush_reads(session: Session) -> None:
    append(session, _read_events(session))


def _on_after_flush(session: Session, flush_context: object) -> None:
    if session.info.get(AUDITED):
        append(session, _write_events(session) + _read_events(session))


def _on_before_commit(session: Session) -> None:
    if session.info.get(AUDITED) and session.info.get(AUDIT_READS):
        flush_reads(session)


def register_listeners() -> None:
    from sqlalchemy import event

    if not event.contains(Session, "after_flush", _on_after_flush):
        event.listen(Session, "after_flush", _on_after_flush)
        event.listen(Session, "before_commit", _on_before_commit)


register_listeners()


def iter_entries(session: Session, *, batch: int = 20_000) -> Iterable[Any]:
    query = select(
        AuditEntry.seq, AuditEntry.at, AuditEntry.actor_id, AuditEntry.action,
        AuditEntry.object_type, AuditEntry.object_id, AuditEntry.field, AuditEntry.detail,
        AuditEntry.prev_hash, AuditEntry.entry_hash,
    ).order_by(AuditEntry.seq)
    # Closed even when the caller stops early (a broken chain): on PostgreSQL ``yield_per`` holds
    # a server-side cursor, which would otherwise stay open until garbage collection. The option
    # is given to this statement only: ``Connection.execution_options`` would change the
    # session's connection for good, and later executemany calls on it would fail.
    with session.execute(query, execution_options={"yield_per": batch}) as result:
        yield from result
