"""``surplace restore``: verify a whole backup archive, then rebuild the store in an empty place.

The restore reads the archive twice, holding the file open between the readings:

1. **Verify.** Read the clear header, open a key slot from it with the passphrase (Argon2id),
   follow the key-generation links in the header to the archive's key version, then decrypt and
   authenticate every chunk and check the payload's structure end to end: every frame, every row
   (valid JSON, the table's column count, values that decode), every file's size, and the totals.
   Evidence files (ciphertext already) are staged in a private temporary folder. Table rows are not
   written anywhere: even sealed, they carry pseudonyms, staff account names and the audit trail,
   which should not be left in a temporary folder.
2. **Restore.** Only when everything verified, and the target is still empty (a folder with no
   store and no blob files, or a PostgreSQL schema with no tables): create the schema with alembic
   at the archive's revision, read the archive again (each chunk authenticated again) and insert
   every row in one transaction, verify the restored audit chain (appending to a broken one
   would re-sign its head and hide the break, so a broken chain is refused), move the staged
   files into the blob folder, and append a ``store.restore`` entry before the commit. Any
   failure removes what was created (SQLite file, folders, PostgreSQL tables, files), so the
   target is as it was.

Rows of a table that refers to itself (place, record, evidence) are inserted with that reference
empty and given it once the whole table is in, so no row depends on the order of the dump.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, NamedTuple

from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from cryptography.exceptions import InvalidTag
from sqlalchemy import Connection, MetaData, bindparam, create_engine, insert, inspect, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from surplace.access.policy import Actor, require
from surplace.config import Settings
from surplace.errors import SurplaceError
from surplace.store.backup import (
    Header,
    ProgressCallback,
    archive_id,
    load_json,
    read_chunks,
    read_frames,
    read_header,
)
from surplace.store.engine import SQLITE_FILE, Store, _postgres_url, open_store
from surplace.store.exceptions import (
    BackupDamaged,
    BackupError,
    BackupIncompatible,
    BackupLocked,
    RestoreTargetNotEmpty,
    StoreNotFound,
)
from surplace.store.migrate import MIGRATIONS, upgrade
from surplace.vault import audit
from surplace.vault.audit_verify import verify_chain
from surplace.vault.crypto import DataKey, unwrap
from surplace.vault.keyring import Keyring
from surplace.vault.slots import generation_context, open_slot

INSERT_BATCH = 1000


@dataclass
class RestoreResult:
    store: str
    store_id: str
    archive_id: str
    revision: str
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0
    file_bytes: int = 0


def _keys_from(header: Header, key: DataKey) -> list[DataKey]:
    """Like ``slots.follow_generations``, from the header's links instead of a session."""
    keys = [key]
    for link in sorted(header.generations, key=lambda g: int(g["version"])):
        version = int(link["version"])
        if version <= key.version or version > header.key_version:
            continue
        if link.get("wrapped_by_previous") is None or link.get("link_nonce") is None:
            break
        try:
            raw = unwrap(keys[-1].raw, link["link_nonce"], link["wrapped_by_previous"],
                         generation_context(header.store_id, version))
        except InvalidTag:
            raise BackupDamaged(f"key generation {version} in the header failed authentication"
                                ) from None
        keys.append(DataKey(version, raw))
    if keys[-1].version != header.key_version:
        raise BackupDamaged(f"the header's key generations do not reach key version "
                            f"{header.key_version}")
    return keys


def open_keys(header: Header, passphrase: str,
              user_id: str | None = None) -> tuple[list[DataKey], str] | None:
    """The keys from the first active slot (of ``user_id``, if given) that opens, and its user."""
    for slot in header.slots:
        if not slot.active or (user_id is not None and slot.user_id != user_id):
            continue
        opened = open_slot(header.store_id, slot, passphrase)
        if opened is not None:
            return _keys_from(header, opened[0]), slot.user_id
    return None


def _json(body: bytes, what: str) -> Any:
    try:
        return load_json(body)
    except ValueError:
        raise BackupDamaged(f"{what} is not readable") from None


def _safe_path(text: object) -> PurePosixPath:
    path = PurePosixPath(str(text))
    if (not isinstance(text, str) or not text or path.as_posix() != text or path.is_absolute()
            or ".." in path.parts or "\\" in text or "\x00" in text):
        raise BackupDamaged("a file entry has an unsafe path")
    return path


class StaffAccount(NamedTuple):
    id: str
    role: str
    active: bool


@dataclass
class Contents:
    """What the verification pass learned: enough to restore, nothing sensitive."""

    revision: str = ""
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0
    file_bytes: int = 0
    users: dict[str, StaffAccount] = field(default_factory=dict)


def verify_payload(frames: Iterator[tuple[bytes, bytes]], staging: Path) -> Contents:
    """Check every frame; stage files under ``staging``; collect the staff accounts."""
    out = Contents()
    files: list[BinaryIO] = []
    try:
        _verify(frames, staging, out, files)
    except (KeyError, TypeError, AttributeError, IndexError):
        raise BackupDamaged("the payload is damaged (a malformed frame)") from None
    finally:
        for file in files:
            file.close()
    return out


def _verify(frames: Iterator[tuple[bytes, bytes]], staging: Path, out: Contents,
            opened: list[BinaryIO]) -> None:
    first = next(frames, None)
    if first is None or first[0] != b"M":
        raise BackupDamaged("the payload does not start with its manifest")
    manifest = _json(first[1], "the manifest")
    out.revision, expected = str(manifest["revision"]), list(manifest["tables"])
    table: str | None = None
    columns: list[str] = []
    count, ended, size = 0, False, 0
    file: BinaryIO | None = None
    for kind, body in frames:
        if ended:
            raise BackupDamaged("data follows the end of the payload")
        if kind == b"T" and table is None and file is None and expected:
            info = _json(body, "a table header")
            table, columns, count = str(info["name"]), list(info["columns"]), 0
            if table != expected.pop(0):
                raise BackupDamaged(f"table {table} is out of the manifest's order")
        elif kind == b"R" and table is not None:
            for line in body.splitlines():
                row = _json(line, f"row {count + 1} of table {table}")
                if not isinstance(row, list) or len(row) != len(columns):
                    raise BackupDamaged(f"row {count + 1} of table {table} has the wrong shape")
                count += 1
                if table == "user_account":
                    user = dict(zip(columns, row, strict=True))
                    out.users[str(user["name"])] = StaffAccount(
                        str(user["id"]), str(user["role"]), bool(user["active"]))
        elif kind == b"E" and table is not None:
            if _json(body, "a table end").get("rows") != count:
                raise BackupDamaged(f"table {table} has a missing or extra row")
            out.rows[table], table = count, None
        elif kind == b"F" and table is None and file is None:
            target = staging.joinpath(*_safe_path(_json(body, "a file entry").get("path")).parts)
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            file, size = open(target, "xb", opener=_private), 0  # noqa: SIM115 - closed at Z
            opened.append(file)
        elif kind == b"D" and file is not None:
            file.write(body)
            size += len(body)
        elif kind == b"Z" and file is not None:
            file.flush()
            os.fsync(file.fileno())
            file.close()
            file = None
            if _json(body, "a file end").get("size") != size:
                raise BackupDamaged(f"file {out.files + 1} of the archive has the wrong size")
            out.files, out.file_bytes = out.files + 1, out.file_bytes + size
        elif kind == b"X" and table is None and file is None and not expected:
            totals = _json(body, "the payload's end")
            if (totals.get("rows") != out.rows or totals.get("files") != out.files
                    or totals.get("file_bytes") != out.file_bytes):
                raise BackupDamaged("the payload's totals do not match its content")
            ended = True
        else:
            raise BackupDamaged(f"an unexpected {kind!r} frame in the payload")
    if not ended:
        raise BackupDamaged("the payload has no end marker")


def insert_rows(frames: Iterator[tuple[bytes, bytes]], connection: Connection) -> None:
    """Insert every row of the (already verified) payload into the freshly made schema."""
    meta = MetaData()
    meta.reflect(bind=connection)
    columns: list[str] = []
    batch: list[dict[str, Any]] = []
    later: list[tuple[Any, dict[str, Any]]] = []
    self_refs: set[str] = set()
    table, key = None, ""
    for kind, body in frames:
        if kind == b"T":
            info = load_json(body)
            table = meta.tables.get(info["name"])
            columns = list(info["columns"])
            if table is None or any(c not in table.c for c in columns):
                raise BackupIncompatible(f"Table {info['name']} of the archive does not match "
                                         "the schema at its revision. Nothing was restored.")
            self_refs = {c.name for c in table.columns if c.name in columns
                         and any(fk.column.table is table for fk in c.foreign_keys)}
            key = next(iter(table.primary_key.columns)).name
        elif kind == b"R" and table is not None:
            for line in body.splitlines():
                row = dict(zip(columns, load_json(line), strict=True))
                refs = {c: row[c] for c in self_refs if row[c] is not None}
                if refs:
                    later.append((row[key], refs))
                    row.update(dict.fromkeys(refs))
                batch.append(row)
                if len(batch) >= INSERT_BATCH:
                    connection.execute(insert(table), batch)
                    batch = []
        elif kind == b"E" and table is not None:
            if batch:
                connection.execute(insert(table), batch)
                batch = []
            for row_key, refs in later:
                connection.execute(update(table).where(table.c[key] == bindparam("_key"))
                                   .values({c: bindparam(f"_{c}") for c in refs}),
                                   {"_key": row_key, **{f"_{c}": v for c, v in refs.items()}})
            later, table = [], None


class Target:
    """The empty place a store is restored into, and how to empty it again after a failure."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.folder: Path | None = None
        if settings.is_postgres:
            if settings.blob_dir is None:
                raise StoreNotFound("A PostgreSQL store needs a blob folder: set --blob-dir or "
                                    "SURPLACE_BLOB_DIR.")
            self.blob_dir = settings.blob_dir
        else:
            self.folder = Path(settings.store)
            self.blob_dir = settings.blob_dir or self.folder / "blobs"
        self.store: Store | None = None
        self._made: list[Path] = []

    @property
    def location(self) -> str:
        if self.folder is not None:
            return str(self.folder)
        return make_url(self.settings.store).render_as_string(hide_password=True)

    def check_empty(self) -> None:
        if self.folder is not None:
            if (self.folder / SQLITE_FILE).exists():
                raise RestoreTargetNotEmpty(f"{self.folder} already holds a store")
        else:
            engine = create_engine(_postgres_url(self.settings.store))
            try:
                with engine.connect() as connection:
                    tables = inspect(connection).get_table_names()
            except SQLAlchemyError as error:
                raise BackupError(f"Cannot reach the target PostgreSQL store "
                                  f"({type(error).__name__}).") from None
            finally:
                engine.dispose()
            if tables:
                raise RestoreTargetNotEmpty(
                    f"the target PostgreSQL schema already has {len(tables)} tables")
        if self.blob_dir.exists() and (not self.blob_dir.is_dir() or any(self.blob_dir.iterdir())):
            raise RestoreTargetNotEmpty(f"the blob folder {self.blob_dir} is not empty")

    def create(self) -> Store:
        for path in (self.folder, self.blob_dir):
            top = _first_missing(path) if path is not None else None
            if top is not None:
                self._made.append(top)
        self.store = open_store(self.settings, create=True)
        return self.store

    def remove(self) -> bool:
        """Remove everything the restore made (the place was empty before); False if the
        PostgreSQL tables could not be dropped."""
        try:
            if self.store is not None and self.store.is_postgres:
                with self.store.engine.begin() as connection:
                    meta = MetaData()
                    meta.reflect(bind=connection)
                    meta.drop_all(bind=connection)
            return True
        except SQLAlchemyError:
            return False
        finally:
            if self.store is not None:
                self.store.dispose()
            if self.folder is not None:
                for suffix in ("", "-wal", "-shm", "-journal"):
                    (self.folder / (SQLITE_FILE + suffix)).unlink(missing_ok=True)
            if self.blob_dir.is_dir():
                for child in self.blob_dir.iterdir():
                    shutil.rmtree(child) if child.is_dir() else child.unlink()
            for path in reversed(self._made):
                shutil.rmtree(path, ignore_errors=True)


def _first_missing(path: Path) -> Path | None:
    top, current = None, path.absolute()
    while not current.exists():
        top, current = current, current.parent
    return top


def _private(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)


def _move_files(staging: Path, blob_dir: Path) -> None:
    for root, _dirs, files in os.walk(staging):
        for name in files:
            source = Path(root) / name
            target = blob_dir / source.relative_to(staging)
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            shutil.move(source, target)


def _check_revision(revision: str) -> None:
    try:
        known = ScriptDirectory(str(MIGRATIONS)).get_revision(revision) is not None
    except CommandError:
        known = False
    if not known:
        raise BackupIncompatible(f"The archive's schema revision {revision} is unknown to this "
                                 "version of surplace (a newer one made it). Nothing was restored.")


def restore(archive_path: Path | str, target_settings: Settings, passphrase: str, user_name: str,
            on_progress: ProgressCallback | None = None) -> RestoreResult:
    """Verify the archive completely, then restore it into the empty target; see the module text.

    ``user_name`` is a staff account in the archive with the ``backup`` permission whose key slot
    opens with ``passphrase``. Raises :class:`BackupDamaged`, :class:`BackupLocked`,
    :class:`BackupIncompatible` or :class:`RestoreTargetNotEmpty` before anything is written.
    """
    path = Path(archive_path)
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed by the with below
    except OSError as error:
        raise BackupError(f"Cannot read {path}: {error.strerror}.") from None
    with handle:
        total = os.fstat(handle.fileno()).st_size
        header = read_header(handle)
        target = Target(target_settings)
        target.check_empty()
        opened = open_keys(header, passphrase)
        if opened is None:
            raise BackupLocked()
        keys, slot_user = opened
        backup_key = keys[-1].backup_key(header.archive_nonce)

        def tick(phase: str) -> Callable[[int], None]:
            return lambda done: on_progress(phase, done, total) if on_progress else None

        staging = Path(tempfile.mkdtemp(prefix="surplace-restore-"))
        try:
            contents = verify_payload(
                read_frames(read_chunks(handle, header, backup_key, tick("Verifying"))), staging)
            user = contents.users.get(user_name)
            if user is None or not user.active or (
                    user.id != slot_user and open_keys(header, passphrase, user.id) is None):
                raise BackupLocked()
            require(Actor(user.id, user_name, user.role), "backup")
            _check_revision(contents.revision)
            target.check_empty()
            try:
                store = target.create()
                upgrade(store, contents.revision)
                handle.seek(len(header.raw))
                frames = read_frames(read_chunks(handle, header, backup_key, tick("Restoring")))
                keyring = Keyring(header.store_id, keys)
                with store.session(keyring=keyring, actor_id=user.id) as session:
                    insert_rows(frames, session.connection())
                    chain = verify_chain(session, keyring)
                    # audit.iter_entries sets yield_per on the session's connection itself; on
                    # PostgreSQL every later statement would then open a server-side cursor.
                    session.connection().execution_options(yield_per=None, stream_results=False)
                    if not chain.ok:  # appending would re-sign, and so launder, a forged chain
                        raise BackupDamaged(f"the audit chain in the archive is broken at entry "
                                            f"{chain.first_bad_seq} ({chain.problem})")
                    _move_files(staging, store.blob_dir)
                    audit.record(session, "store.restore", "vault_state", "1", detail={
                        "archive": archive_id(header.archive_nonce),
                        "rows": sum(contents.rows.values()), "files": contents.files})
                store.dispose()
            except BaseException as failure:
                if not target.remove():
                    what = failure if isinstance(failure, SurplaceError) else type(failure).__name__
                    raise BackupError(f"Restore failed ({what}), and the tables it made could not "
                                      f"be dropped: empty {target.location} by hand.") from None
                raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return RestoreResult(target.location, header.store_id, archive_id(header.archive_nonce),
                         contents.revision, contents.rows, contents.files, contents.file_bytes)
