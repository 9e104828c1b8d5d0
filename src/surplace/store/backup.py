"""``surplace backup``: one encrypted, authenticated archive of a whole store, written as a stream.

Archive layout (format 1)::

    magic "SURPLACE-BACKUP\\0" (16 bytes) | format (uint16 BE) | header length (uint32 BE)
    header: UTF-8 JSON, in the clear
    chunk 1 | chunk 2 | ... | chunk n
    chunk = final flag (1 byte, 0 or 1) | length (uint32 BE) | AES-256-GCM ciphertext and tag

The header holds what a restore needs before it can decrypt: the store id, the archive nonce, the
key version the archive is encrypted under, and the key slots and key-generation links exactly as
stored (each slot is already protected by its user's Argon2id passphrase). It holds no user name,
no row count and nothing from a record.

Every chunk is sealed with ``DataKey.backup_key(archive_nonce)`` of that key version. The nonce is
the chunk index (uint64) followed by four zero bytes: the key belongs to this archive alone, so no
nonce is used twice. The associated data binds the archive nonce, the chunk index and the final
flag, and for chunk 1 also every header byte (magic to JSON), so the header cannot be edited, a
chunk cannot be moved, dropped or taken from another archive, and a truncated archive (no final
chunk) is detected.

The payload (the chunks' plaintext, one stream) is a sequence of frames ``kind (1 byte) | length
(uint32 BE) | body``: ``M`` manifest (alembic revision, table order), then for each table of
``surplace.schema.Base.metadata`` in foreign-key order ``T`` (name and columns), ``R`` frames of
JSON Lines (one JSON array per row) and ``E`` (row count); then each file under the blob folder
as ``F`` (relative path), ``D`` data frames and ``Z`` (size); finally ``X`` (totals). Values are
JSON; bytes, timestamps (UTC) and dates are tagged ``{"$b": base64}``, ``{"$t": iso}``,
``{"$d": iso}``. Sealed columns are copied as the ciphertext they are and blob files byte for
byte: the backup decrypts nothing.
"""

from __future__ import annotations

import base64
import json
import os
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, BinaryIO

from alembic.runtime.migration import MigrationContext
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Connection, Table, func, select
from sqlalchemy.orm import Session

from surplace.access.policy import require
from surplace.store.exceptions import (
    BackupDamaged,
    BackupError,
    BackupIncompatible,
    SchemaOutOfDate,
)
from surplace.store.migrate import head_revision
from surplace.vault import audit
from surplace.vault.models import KeySlot, VaultState
from surplace.vault.service import Unlocked, vault_state

MAGIC = b"SURPLACE-BACKUP\x00"
FORMAT = 1
PREFIX = struct.Struct(">HI")
CHUNK_HEAD = struct.Struct(">BI")
FRAME_HEAD = struct.Struct(">cI")
CHUNK_SIZE = 1 << 20
TAG_BYTES = 16
MAX_HEADER = 1 << 20
ROWS_PER_FRAME = 256 * 1024
NONCE_BYTES = 32
MAX_FRAME = 64 << 20

#: ``on_progress(phase, done, total)``: backup counts rows and files, restore archive bytes.
ProgressCallback = Callable[[str, int, int], None]


def chunk_nonce(index: int) -> bytes:
    return struct.pack(">QI", index, 0)


def chunk_aad(archive_nonce: bytes, index: int, final: bool, header: bytes) -> bytes:
    aad = b"surplace-backup/v1|" + archive_nonce + struct.pack(">QB", index, int(final))
    return aad + header if index == 1 else aad


def archive_id(archive_nonce: bytes) -> str:
    """A short public name for an archive (the nonce is in the clear header anyway)."""
    return archive_nonce.hex()[:16]


def _tag(value: Any) -> Any:
    """JSON for what JSON lacks; a naive timestamp is UTC (SQLite returns them naive)."""
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$b": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, datetime):
        aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return {"$t": aware.isoformat()}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    raise TypeError(f"cannot archive a value of type {type(value).__name__}")


def _untag(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        (tag, text), = obj.items()
        if tag == "$b":
            return base64.b64decode(text, validate=True)
        if tag == "$t":
            return datetime.fromisoformat(text)
        if tag == "$d":
            return date.fromisoformat(text)
    return obj


def load_json(data: bytes) -> Any:
    """Inverse of :func:`dump_json`: tagged values come back as bytes, datetimes and dates."""
    return json.loads(data, object_hook=_untag)


def dump_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_tag).encode()


class ChunkWriter:
    """Cuts a byte stream into chunks and seals each as it fills; holds at most one chunk."""

    def __init__(self, out: BinaryIO, key: bytes, archive_nonce: bytes, header: bytes,
                 chunk_size: int = CHUNK_SIZE) -> None:
        self._out, self._aead, self._nonce = out, AESGCM(key), archive_nonce
        self._header, self._size = header, chunk_size
        self._buffer = bytearray()
        self._index = 1

    def write(self, data: bytes) -> None:
        self._buffer += data
        while len(self._buffer) > self._size:
            self._emit(bytes(self._buffer[: self._size]), final=False)
            del self._buffer[: self._size]

    def frame(self, kind: bytes, body: bytes) -> None:
        self.write(FRAME_HEAD.pack(kind, len(body)) + body)

    def close(self) -> None:
        """Seal what is left as the final chunk (possibly empty)."""
        self._emit(bytes(self._buffer), final=True)
        self._buffer.clear()

    def _emit(self, plaintext: bytes, *, final: bool) -> None:
        aad = chunk_aad(self._nonce, self._index, final, self._header)
        sealed = self._aead.encrypt(chunk_nonce(self._index), plaintext, aad)
        self._out.write(CHUNK_HEAD.pack(int(final), len(sealed)) + sealed)
        self._index += 1


@dataclass
class BackupResult:
    archive: str
    archive_id: str
    key_version: int
    revision: str
    rows: dict[str, int]
    files: int = 0
    file_bytes: int = 0
    archive_bytes: int = 0


def _tables() -> list[Table]:
    from surplace.schema import Base

    # Derived tables (``surplace.store.tallies``) are rebuilt by a restore, not carried.
    return [table for table in Base.metadata.sorted_tables if not table.info.get("derived")]


def _table_rows(connection: Connection, table: Table) -> list[dict[str, Any]]:
    query = select(*table.columns).order_by(*table.primary_key.columns)
    return [dict(row._mapping) for row in connection.execute(query)]


def _blob_files(blob_dir: Path) -> Iterator[tuple[str, Path]]:
    """Every regular file under the blob folder, by relative POSIX path, in a stable order."""
    if not blob_dir.is_dir():
        return
    for root, dirs, files in os.walk(blob_dir, followlinks=False):
        dirs.sort()
        for name in sorted(files):
            path = Path(root) / name
            if path.is_file() and not path.is_symlink():
                yield path.relative_to(blob_dir).as_posix(), path


def _snapshot(session: Session, is_postgres: bool) -> tuple[Connection, VaultState]:
    """One transaction that sees one moment of the store, and holds a rotation off meanwhile.

    SQLite: ``BEGIN IMMEDIATE`` keeps every writer out. PostgreSQL: ``REPEATABLE READ`` sees one
    snapshot, and a share lock on the vault state row keeps a key rotation from starting (it
    locks that row for update), so no file is re-encrypted under a key the archive lacks.
    """
    options = {"isolation_level": "REPEATABLE READ"} if is_postgres else {}
    connection = session.connection(execution_options=options)
    session.get(VaultState, 1, with_for_update={"read": True})
    return connection, vault_state(session)


def backup(unlocked: Unlocked, out_path: Path | str,
           on_progress: ProgressCallback | None = None) -> BackupResult:
    """Write an encrypted archive of the whole store to ``out_path``.

    Requires the ``backup`` permission. Every table is read in one transaction (SQLite: ``BEGIN
    IMMEDIATE``, which holds writers off until the dump ends; PostgreSQL: ``REPEATABLE READ``,
    read only), so the archive is one consistent moment, its audit chain included. Blob files are
    copied as they are when reached; a file being written meanwhile may be copied half-written.

    The archive goes to ``OUT.partial``, is synced, and is renamed to ``OUT`` only when complete;
    an existing ``OUT`` is never overwritten. The ``store.backup`` audit entry (archive id, row
    counts, file count) is written to the store after the archive is complete, so it is in the
    store's chain but not in the archive it describes (the archive's chain ends just before it).
    """
    require(unlocked.actor, "backup")
    out = Path(out_path)
    if out.exists():
        raise BackupError(f"{out} already exists: choose another name or move it away first.")
    partial = out.with_name(out.name + ".partial")
    store = unlocked.store
    archive_nonce = os.urandom(NONCE_BYTES)
    report = BackupResult(str(out), archive_id(archive_nonce), 0, "", {})
    try:
        with store.session() as session:
            connection, state = _snapshot(session, store.is_postgres)
            revision = MigrationContext.configure(connection).get_current_revision()
            if revision is None or revision != head_revision(store):
                raise SchemaOutOfDate(
                    f"The store's schema is at revision {revision}, this program expects "
                    f"{head_revision(store)}: run 'surplace db upgrade' before a backup.")
            if state.store_id != unlocked.keyring.store_id:
                raise BackupError("The unlocked keys belong to another store.")
            key = unlocked.keyring.get(state.current_key_version)
            tables = _tables()
            counts = {t.name: int(connection.execute(select(func.count()).select_from(t))
                                  .scalar_one()) for t in tables}
            files = list(_blob_files(store.blob_dir))
            by_name = {t.name: t for t in tables}
            header_json = dump_json({
                "store_id": state.store_id, "archive_nonce": archive_nonce.hex(),
                "key_version": key.version, "cipher": "AES-256-GCM", "chunk_size": CHUNK_SIZE,
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "key_slots": _table_rows(connection, by_name["key_slot"]),
                "key_generations": _table_rows(connection, by_name["key_generation"]),
            })
            if len(header_json) > MAX_HEADER:
                raise BackupError("Too many key slots to fit an archive header.")
            header = MAGIC + PREFIX.pack(FORMAT, len(header_json)) + header_json
            report.key_version, report.revision = key.version, revision
            total = sum(counts.values()) + len(files)
            with open(partial, "wb", opener=_private_opener) as handle:
                handle.write(header)
                writer = ChunkWriter(handle, key.backup_key(archive_nonce), archive_nonce,
                                     header)
                _write_payload(writer, connection, tables, revision, files, report,
                               lambda done: on_progress("Backing up", done, total)
                               if on_progress else None)
                writer.close()
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(partial, out)
        _fsync_dir(out.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    report.archive_bytes = out.stat().st_size
    with unlocked.session() as session:
        audit.record(session, "store.backup", "vault_state", "1", detail={
            "archive": report.archive_id, "key_version": report.key_version,
            "rows": report.rows, "files": report.files})
    return report


def _write_payload(writer: ChunkWriter, connection: Connection, tables: list[Table],
                   revision: str, files: list[tuple[str, Path]], report: BackupResult,
                   tick: Callable[[int], None]) -> None:
    done = 0
    writer.frame(b"M", dump_json({"revision": revision, "tables": [t.name for t in tables]}))
    for table in tables:
        writer.frame(b"T", dump_json({"name": table.name, "columns": list(table.columns.keys())}))
        query = (select(*table.columns).order_by(*table.primary_key.columns)
                 .execution_options(yield_per=2000))
        batch, size, count = [], 0, 0
        for row in connection.execute(query):
            line = dump_json(list(row)) + b"\n"
            batch.append(line)
            size += len(line)
            count += 1
            if size >= ROWS_PER_FRAME:
                writer.frame(b"R", b"".join(batch))
                batch, size = [], 0
            if count % 2000 == 0:
                tick(done + count)
        if batch:
            writer.frame(b"R", b"".join(batch))
        writer.frame(b"E", dump_json({"name": table.name, "rows": count}))
        report.rows[table.name] = count
        done += count
        tick(done)
    for relative, path in files:
        try:
            source = open(path, "rb")  # noqa: SIM115 - closed by the with below
        except FileNotFoundError:  # a blob writer's temporary file, gone since the walk
            continue
        writer.frame(b"F", dump_json({"path": relative}))
        size = 0
        with source:
            while block := source.read(CHUNK_SIZE):
                writer.frame(b"D", block)
                size += len(block)
        writer.frame(b"Z", dump_json({"size": size}))
        report.files += 1
        report.file_bytes += size
        done += 1
        tick(done)
    writer.frame(b"X", dump_json({"rows": report.rows, "files": report.files,
                                  "file_bytes": report.file_bytes}))


def _private_opener(path: str, flags: int) -> int:
    return os.open(path, flags | os.O_TRUNC, 0o600)


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# -- reading: the header, the chunks, the frames ------------------------------------------


@dataclass(frozen=True)
class Header:
    raw: bytes
    store_id: str
    archive_nonce: bytes
    key_version: int
    chunk_size: int
    slots: list[KeySlot]
    generations: list[dict[str, Any]]


def read_header(handle: BinaryIO) -> Header:
    """Parse the clear header; nothing in it is trusted until chunk 1 authenticates it."""
    prefix = handle.read(len(MAGIC) + PREFIX.size)
    if len(prefix) < len(MAGIC) + PREFIX.size or not prefix.startswith(MAGIC):
        raise BackupDamaged("the file is not a surplace backup archive (no archive header)")
    fmt, length = PREFIX.unpack_from(prefix, len(MAGIC))
    if fmt != FORMAT:
        raise BackupIncompatible(
            f"The archive header names format {fmt}; this program reads format {FORMAT} (a newer "
            "surplace wrote it, or the header is damaged). Nothing was restored.")
    if length > MAX_HEADER:
        raise BackupDamaged("the archive header is damaged (impossible length)")
    body = handle.read(length)
    if len(body) < length:
        raise BackupDamaged("the archive is truncated inside its header")
    try:
        data = load_json(body)
        slots = [KeySlot(**row) for row in data["key_slots"]]
        generations = [dict(row) for row in data["key_generations"]]
        header = Header(prefix + body, str(data["store_id"]), bytes.fromhex(data["archive_nonce"]),
                        int(data["key_version"]), int(data["chunk_size"]), slots, generations)
    except (ValueError, KeyError, TypeError, AttributeError):
        raise BackupDamaged("the archive header is damaged (unreadable)") from None
    if not 1024 <= header.chunk_size <= 16 << 20 or any(
            s.memory_kib > 4 << 20 or s.time_cost > 64 or s.parallelism > 64 for s in slots):
        raise BackupDamaged("the archive header is damaged (impossible parameters)")
    return header


def read_chunks(handle: BinaryIO, header: Header, key: bytes,
                tick: Callable[[int], None]) -> Iterator[bytes]:
    """Each chunk's plaintext, authenticated, in order; refuses a gap, a swap or a missing end."""
    aead, index = AESGCM(key), 1
    limit = header.chunk_size + TAG_BYTES
    while True:
        head = handle.read(CHUNK_HEAD.size)
        if not head:
            raise BackupDamaged(f"the archive is truncated: it ends after chunk {index - 1} "
                                "without its final chunk")
        if len(head) < CHUNK_HEAD.size:
            raise BackupDamaged(f"the archive is truncated inside chunk {index}")
        final, length = CHUNK_HEAD.unpack(head)
        if final > 1 or not TAG_BYTES <= length <= limit:
            raise BackupDamaged(f"chunk {index} is damaged (impossible flag or length)")
        sealed = handle.read(length)
        if len(sealed) < length:
            raise BackupDamaged(f"the archive is truncated inside chunk {index}")
        aad = chunk_aad(header.archive_nonce, index, bool(final), header.raw)
        try:
            plaintext = aead.decrypt(chunk_nonce(index), sealed, aad)
        except InvalidTag:
            also = " (or the header it authenticates was altered)" if index == 1 else ""
            raise BackupDamaged(f"chunk {index} failed authentication{also}") from None
        tick(handle.tell())
        yield plaintext
        if final:
            if handle.read(1):
                raise BackupDamaged(f"data follows the final chunk {index}")
            return
        index += 1


def read_frames(chunks: Iterator[bytes]) -> Iterator[tuple[bytes, bytes]]:
    """(kind, body) of each payload frame; frames run across chunk boundaries."""
    buffer = bytearray()

    def fill(size: int) -> bool:
        while len(buffer) < size:
            chunk = next(chunks, None)
            if chunk is None:
                return False
            buffer.extend(chunk)
        return True

    while fill(FRAME_HEAD.size):
        kind, length = FRAME_HEAD.unpack_from(buffer)
        if length > MAX_FRAME or not fill(FRAME_HEAD.size + length):
            raise BackupDamaged("the payload ends inside a frame")
        body = bytes(buffer[FRAME_HEAD.size:FRAME_HEAD.size + length])
        del buffer[:FRAME_HEAD.size + length]
        yield kind, body
    if buffer:
        raise BackupDamaged("the payload ends inside a frame")
