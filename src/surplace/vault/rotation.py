"""Key rotation: a new data-key generation, and every sealed value and evidence file moved to it.

A rotation runs in steps, each in transactions of its own, so that a crash (a killed process, a
lost connection, a laptop lid closed) costs at most one batch and a rerun carries on:

a. **Start** (one transaction): make generation *v+1* (a random key wrapped under generation *v*),
   make it current, mark the store ``rotating_from_version = v``, and rewrap the acting user's key
   slot to *v+1*. From this commit on every new value is sealed under *v+1*. The new generation's
   row also holds *v* wrapped under *v+1* (the *back link*): a slot already on *v+1* (the acting
   user's, one rewrapped by an unlock or made by ``add-user`` or ``passwd`` meanwhile) reaches
   *v* through it, so every user can read the values not yet re-sealed, however long the
   rotation stays interrupted.
b. **Re-seal** every value of every column in ``SENSITIVE_FIELDS`` whose envelope names an older
   generation, and recompute its blind index from the plaintext, in batches by primary key, one
   transaction per batch. The walk selects only rows still holding an older envelope (the version
   sits in bytes 2–5 of the envelope, compared in SQL), so a rerun finds exactly what is left.
   The keyed digests in ``KEYED_DIGESTS`` (a record's content digest, by which a re-imported
   file is recognised) are recomputed from the plaintext in the same ``UPDATE`` as the value
   they digest: digest and envelope move to *v+1* together or not at all, so the resume logic
   above covers them, and no lookup ever needs a generation that a finished rotation dropped.
c. **Re-encrypt** every evidence file below *v+1*, one file per transaction; the blob's own header
   says which generation it is under, so a file re-encrypted just before a crash is not redone.
d. **Re-sign** the audit head: the finishing entry is appended with *v+1* current, and appending
   signs the head with the current generation's key.
e. **Finish**: once nothing older is left, erase the back link and clear
   ``rotating_from_version``.

Each step writes to the audit chain (``vault.rotate.start``, ``vault.rotate.batch`` per batch,
``vault.rotate.file`` per file, ``vault.rotate.finish``). Re-sealing rewrites rows with Core
``UPDATE`` statements on the sealed and index columns only. That bypasses the ORM, and with it
the guard in :mod:`surplace.records.models` that forbids updating a ``Record``: on purpose, because
rotation is the one sanctioned rewrite of a record. It changes the envelope, never the plaintext;
every value is opened and checked before it is sealed again.

**The trade-off.** Only the acting user's slot is rewrapped, because only their passphrase is at
hand. Every other slot still wraps generation *v* and reaches *v+1* through the generation link
(*v+1* wrapped under *v*); :func:`surplace.vault.service.unlock` rewraps it when its owner next
unlocks (``surplace vault status`` lists the slots still waiting). The link is never removed, so
whoever holds the raw key of generation *v*, or the passphrase of a slot still on *v*, reaches
*v+1* too. A rotation thus defeats a leaked subkey of *v* (the field, blind-index, signing or
file key, which lead nowhere else), not a leaked data key or passphrase: to shut out someone who
may have copied those, delete their slot, rotate, and retire the link once no slot wraps *v*
(not automated yet).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    LargeBinary,
    Table,
    bindparam,
    case,
    func,
    or_,
    select,
    update,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Mapper, Session

import surplace.schema  # noqa: F401 - imports every model, so SENSITIVE_FIELDS is complete
from surplace.access.models import User
from surplace.access.policy import require
from surplace.evidence.blobs import BlobStore
from surplace.evidence.models import Evidence
from surplace.records.intake import stored_content_digest
from surplace.store.engine import Store
from surplace.store.exceptions import StoreNotFound
from surplace.vault import audit
from surplace.vault.crypto import (
    DataKey,
    envelope_version,
    normalise_for_index,
    random_key,
    wrap,
)
from surplace.vault.exceptions import RotationError, StoreShredded, WrongPassphrase
from surplace.vault.fields import KEYRING, SENSITIVE_FIELDS, Sensitive, _where
from surplace.vault.keyring import Keyring
from surplace.vault.models import KeyGeneration, KeySlot, VaultState
from surplace.vault.service import Unlocked, back_link_context, with_rotation_source
from surplace.vault.slots import follow_generations, generation_context, open_slot, rewrap_slot

BATCH_ROWS = 1000
_MAX_PASSES = 3

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class RotationReport:
    from_version: int
    to_version: int
    resumed: bool
    values_resealed: int
    files_reencrypted: int
    slots_waiting: int

    def describe(self) -> str:
        started = "Continued the rotation" if self.resumed else "Rotated"
        return (f"{started} from key generation {self.from_version} to {self.to_version}: "
                f"{self.values_resealed} values re-sealed, {self.files_reencrypted} evidence "
                f"files re-encrypted; {self.slots_waiting} key slots of other users still wrap "
                "an older generation and are rewrapped when their owners next unlock.")


@dataclass(frozen=True)
class _Field:
    name: str
    descriptor: Sensitive[Any]
    sealed: Column[Any]
    index: Column[Any] | None


@dataclass(frozen=True)
class KeyedDigest:
    """A clear column holding a keyed digest of one sealed field's plaintext (and of clear
    columns of the same row): re-keyed with that field, since the old generation's digest key
    is gone once the rotation finishes."""

    table: str
    field: str
    column: str
    inputs: tuple[str, ...]
    #: (new generation, the field's plaintext as sealed, the ``inputs``' values) → digest
    compute: Callable[[DataKey, bytes, tuple[Any, ...]], bytes]


def _record_digest(key: DataKey, body: bytes, inputs: tuple[Any, ...]) -> bytes:
    return stored_content_digest(key, source_row=inputs[0], body=body)


#: Every keyed digest of the store; rotation tests check that each is re-keyed.
KEYED_DIGESTS = (KeyedDigest("record", "payload", "content_digest", ("source_row",),
                             _record_digest),)


@dataclass(frozen=True)
class _Digest:
    field: str
    column: Column[Any]
    inputs: list[Column[Any]]
    compute: Callable[[DataKey, bytes, tuple[Any, ...]], bytes]


@dataclass(frozen=True)
class _Table:
    name: str
    table: Table
    key: Column[Any]
    fields: list[_Field]
    digests: list[_Digest]


def sealed_tables() -> list[_Table]:
    """``SENSITIVE_FIELDS`` grouped by table, with the Core columns to read and write."""
    grouped: dict[str, _Table] = {}
    for entry in SENSITIVE_FIELDS:
        mapper: Mapper[Any] = sa_inspect(entry.owner)
        table = mapper.local_table
        assert isinstance(table, Table)
        if entry.table not in grouped:
            keys = list(table.primary_key.columns)
            if len(keys) != 1:
                raise RotationError(f"Table {entry.table} has no single-column primary key.")
            grouped[entry.table] = _Table(entry.table, table, keys[0], [], [])
        fields = grouped[entry.table].fields
        if any(f.name == entry.attribute for f in fields):
            continue
        fields.append(_Field(
            entry.attribute, getattr(entry.owner, entry.attribute),
            mapper.columns[entry.sealed_attribute],
            None if entry.index_attribute is None else mapper.columns[entry.index_attribute]))
    for digest in KEYED_DIGESTS:
        item = grouped.get(digest.table)
        if item is None or not any(f.name == digest.field for f in item.fields):
            raise RotationError(f"{digest.table}.{digest.column} digests a field that is not "
                                "sealed.")
        item.digests.append(_Digest(digest.field, item.table.c[digest.column],
                                    [item.table.c[name] for name in digest.inputs],
                                    digest.compute))
    return list(grouped.values())


def _older(column: Column[Any], version: int) -> ColumnElement[bool]:
    """True where the sealed value's envelope names a generation below ``version``.

    The version is the big-endian uint32 in bytes 2–5, so a byte-wise comparison of that slice
    is a numeric one, on SQLite and on PostgreSQL alike; NULL compares as not older.
    """
    prefix = func.substr(column, 2, 4, type_=LargeBinary())
    return prefix < bindparam(None, struct.pack(">I", version), type_=LargeBinary())


def _count_older(session: Session, tables: list[_Table], version: int) -> int:
    total = 0
    for item in tables:
        sums = [func.coalesce(func.sum(case((_older(f.sealed, version), 1), else_=0)), 0)
                for f in item.fields]
        total += sum(int(n) for n in session.execute(select(*sums).select_from(item.table)).one())
    return total


def _locked_state(session: Session) -> VaultState:
    state = session.get(VaultState, 1, with_for_update=True)
    if state is None:
        raise StoreNotFound("This store has no vault: run 'surplace init' first.")
    if state.shredded_at is not None:
        raise StoreShredded()
    return state


def _complete_keyring(session: Session, keyring: Keyring, state: VaultState) -> None:
    """Add the generations a rotation needs that this keyring lacks (it was unlocked before
    the rotation started, or by a slot already on the new generation)."""
    keys = [keyring.get(v) for v in keyring.versions]
    keys = with_rotation_source(session, state, follow_generations(
        session, keyring.store_id, keys[0]) + keys[1:])
    for key in keys:
        keyring.add(key)
    needed = [state.current_key_version]
    if state.rotating_from_version is not None:
        needed.append(state.rotating_from_version)
    if not set(needed) <= set(keyring.versions):
        raise RotationError("The key generations of this rotation cannot be reached from this "
                            "unlock; unlock again.")


def _open_own_slot(session: Session, unlocked: Unlocked,
                   passphrase: str) -> tuple[KeySlot, bytes]:
    """The acting user's slot that ``passphrase`` opens, with its key-encryption key."""
    slots = session.scalars(select(KeySlot).where(
        KeySlot.user_id == unlocked.actor.user_id, KeySlot.active)).all()
    for slot in slots:
        opened = open_slot(unlocked.keyring.store_id, slot, passphrase)
        if opened is not None:
            return slot, opened[1]
    raise WrongPassphrase(unlocked.actor.name)


def _begin(unlocked: Unlocked, passphrase: str) -> tuple[int, int, bool]:
    """Step (a). Returns (from version, to version, whether an earlier rotation is resumed)."""
    keyring = unlocked.keyring
    store_id = keyring.store_id
    new_key: DataKey | None = None
    with unlocked.session() as session:
        state = _locked_state(session)
        resumed = state.rotating_from_version is not None
        if resumed:
            old, target = state.rotating_from_version, state.current_key_version
            assert old is not None
            if target != old + 1:
                raise RotationError(f"Rotation state is inconsistent (from generation {old} "
                                    f"while generation {target} is current).")
        else:
            old = state.current_key_version
            target = old + 1
        _complete_keyring(session, keyring, state)
        slot, kek = _open_own_slot(session, unlocked, passphrase)
        if resumed:
            target_key = keyring.get(target)
        else:
            new_key = target_key = DataKey(target, random_key())
            # The session signs this transaction's audit entries with the new generation; the
            # caller's keyring learns it only once the generation is committed.
            session.info[KEYRING] = Keyring(
                store_id, [*(keyring.get(v) for v in keyring.versions), new_key])
            nonce, wrapped = wrap(keyring.get(old).raw, new_key.raw,
                                  generation_context(store_id, target))
            back_nonce, previous = wrap(new_key.raw, keyring.get(old).raw,
                                        back_link_context(store_id, target))
            session.add(KeyGeneration(version=target, link_nonce=nonce,
                                      wrapped_by_previous=wrapped, back_nonce=back_nonce,
                                      previous_wrapped=previous))
            state.current_key_version = target
            state.rotating_from_version = old
        try:
            if slot.key_version < target:
                rewrap_slot(store_id, slot, kek, target_key)
            audit.record(session, "vault.rotate.start", "vault_state", "1",
                         detail={"from_version": old, "to_version": target, "resumed": resumed})
            session.flush()
        finally:
            # Everything is appended; should the commit fail, nothing may sign with a key
            # that was never stored.
            session.info[KEYRING] = keyring
    if new_key is not None:
        keyring.add(new_key)
    return old, target, resumed


def _reseal_table(unlocked: Unlocked, item: _Table, new_key: DataKey, batch_size: int,
                  step: Callable[[int], None]) -> int:
    """Step (b) for one table; returns the number of values re-sealed."""
    keyring, target = unlocked.keyring, new_key.version
    columns = [c for f in item.fields for c in (f.sealed, f.index) if c is not None]
    columns += [d.column for d in item.digests]
    statement = update(item.table).where(item.key == bindparam("b_key")).values(
        {c: bindparam(f"b_{c.name}") for c in columns})
    inputs = list({c.name: c for d in item.digests for c in d.inputs}.values())
    resealed, after = 0, ""
    while True:
        with unlocked.session() as session:
            rows = session.execute(
                select(item.key, *columns, *inputs)
                .where(item.key > after, or_(*(_older(f.sealed, target) for f in item.fields)))
                .order_by(item.key).limit(batch_size).with_for_update()
            ).all()
            if not rows:
                return resealed
            params: list[dict[str, Any]] = []
            batch_values = 0
            for row in rows:
                values = dict(zip((f"b_{c.name}" for c in columns), row[1:len(columns) + 1],
                                  strict=True))
                clear = dict(zip((c.name for c in inputs), row[len(columns) + 1:], strict=True))
                for field in item.fields:
                    sealed = values[f"b_{field.sealed.name}"]
                    if sealed is None or envelope_version(sealed) >= target:
                        continue
                    where = _where(item.name, field.name, row[0])
                    plaintext = keyring.open(sealed, where)
                    values[f"b_{field.sealed.name}"] = new_key.seal(plaintext, where)
                    if field.index is not None:
                        text = str(field.descriptor.codec.decode(plaintext))
                        values[f"b_{field.index.name}"] = new_key.blind_index(
                            normalise_for_index(text))
                    for digest in item.digests:
                        if digest.field == field.name:
                            values[f"b_{digest.column.name}"] = digest.compute(
                                new_key, plaintext, tuple(clear[c.name] for c in digest.inputs))
                    batch_values += 1
                params.append({"b_key": row[0], **values})
            session.connection().execute(statement, params)
            audit.record(session, "vault.rotate.batch", item.name, None, detail={
                "rows": len(rows), "values": batch_values, "first_id": str(rows[0][0]),
                "last_id": str(rows[-1][0]), "to_version": target})
            after = rows[-1][0]
        resealed += batch_values
        step(batch_values)


def _files_below(unlocked: Unlocked, version: int) -> list[str]:
    with unlocked.session() as session:
        return list(session.scalars(
            select(Evidence.id).where(Evidence.key_version < version).order_by(Evidence.id)))


def _reencrypt_files(unlocked: Unlocked, new_key: DataKey, step: Callable[[int], None]) -> int:
    """Step (c): one evidence file per transaction; returns how many were re-encrypted."""
    blobs = BlobStore(unlocked.store.blob_dir)
    done = 0
    for file_id in _files_below(unlocked, new_key.version):
        with unlocked.session() as session:
            evidence = session.get(Evidence, file_id, with_for_update=True)
            if evidence is None or evidence.key_version >= new_key.version:
                continue
            if blobs.key_version(file_id) < new_key.version:
                blobs.reencrypt(file_id, unlocked.keyring, new_key)
            evidence.key_version = new_key.version
            audit.record(session, "vault.rotate.file", "evidence", file_id,
                         detail={"to_version": new_key.version})
        done += 1
        step(1)
    return done


def _slots_waiting(session: Session, version: int) -> int:
    return int(session.scalar(select(func.count()).select_from(KeySlot).where(
        KeySlot.active, KeySlot.key_version < version)) or 0)


def _finish(unlocked: Unlocked, tables: list[_Table], old: int, target: int,
            resealed: int, files: int) -> int | None:
    """Steps (d) and (e) in one transaction; None if values or files below ``target`` remain
    (written meanwhile by a session unlocked before the rotation), else the slots waiting."""
    with unlocked.session() as session:
        state = _locked_state(session)
        if state.rotating_from_version is None:
            return _slots_waiting(session, target)
        if _count_older(session, tables, target) or session.scalar(
                select(func.count()).select_from(Evidence).where(Evidence.key_version < target)):
            return None
        waiting = _slots_waiting(session, target)
        state.rotating_from_version = None
        generation = session.get(KeyGeneration, target)
        assert generation is not None
        generation.back_nonce = generation.previous_wrapped = None
        # Appending the entry signs the audit head with the current key, generation ``target``.
        audit.record(session, "vault.rotate.finish", "vault_state", "1", detail={
            "from_version": old, "to_version": target, "values": resealed, "files": files,
            "slots_waiting": waiting})
        return waiting


def rotate(unlocked: Unlocked, *, passphrase: str, on_progress: ProgressCallback | None = None,
           batch_size: int = BATCH_ROWS) -> RotationReport:
    """Rotate the data key, or continue a rotation that was interrupted; see the module doc.

    ``passphrase`` is the acting user's, to rewrap their own slot. ``on_progress(done, total)``
    is called after every committed batch and file; an exception it raises stops the rotation
    after that commit, which a later call continues.
    """
    require(unlocked.actor, "vault.admin")
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    old, target, resumed = _begin(unlocked, passphrase)
    new_key = unlocked.keyring.get(target)
    tables = sealed_tables()
    resealed = files = done = total = 0

    def step(count: int) -> None:
        nonlocal done
        done += count
        if on_progress is not None:
            on_progress(done, total)

    for _ in range(_MAX_PASSES):
        with unlocked.session() as session:
            total += _count_older(session, tables, target)
        total += len(_files_below(unlocked, target))
        step(0)
        for item in tables:
            resealed += _reseal_table(unlocked, item, new_key, batch_size, step)
        files += _reencrypt_files(unlocked, new_key, step)
        waiting = _finish(unlocked, tables, old, target, resealed, files)
        if waiting is not None:
            return RotationReport(old, target, resumed, resealed, files, waiting)
    raise RotationError("Values sealed under an older key generation keep appearing: a session "
                        "unlocked before the rotation is still writing. Close it and run the "
                        "rotation again; it continues where it stopped.")


@dataclass(frozen=True)
class SlotStatus:
    slot_id: str
    user_id: str
    user_name: str
    role: str
    key_version: int
    active: bool
    rewrapped_at: datetime | None


@dataclass(frozen=True)
class VaultStatus:
    """What ``surplace vault status`` shows: identities of keys and slots, never key material."""

    store_id: str
    current_key_version: int
    rotating_from_version: int | None
    shredded_at: datetime | None
    generations: list[int]
    slots: list[SlotStatus]


def vault_status(store: Store) -> VaultStatus:
    """The key state of a store; needs no passphrase and works on a shredded store too."""
    with store.session() as session:
        state = session.get(VaultState, 1)
        if state is None:
            raise StoreNotFound("This store has no vault: run 'surplace init' first.")
        generations = list(session.scalars(
            select(KeyGeneration.version).order_by(KeyGeneration.version)))
        rows = session.execute(
            select(KeySlot.id, KeySlot.user_id, User.name, User.role, KeySlot.key_version,
                   KeySlot.active, KeySlot.rewrapped_at)
            .join(User, User.id == KeySlot.user_id).order_by(User.name, KeySlot.id)).all()
        return VaultStatus(
            store_id=state.store_id, current_key_version=state.current_key_version,
            rotating_from_version=state.rotating_from_version, shredded_at=state.shredded_at,
            generations=generations, slots=[SlotStatus(*row) for row in rows])
