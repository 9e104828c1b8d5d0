"""Adding records: recognised by a keyed content digest, deduplicated, corrections superseding.

Each record carries ``content_digest``: HMAC-SHA256, under a key derived from the data key, of
its source row identity and its payload (the first byte is the key generation, as for blind
indexes). A bare hash of a name and a birth date could be reversed by hashing guesses; a keyed
one cannot without the key. The digest is computed from what the record itself holds, so a
rotation recomputes it under the new generation in the same statement that re-seals the payload
(:func:`stored_content_digest`, called from :mod:`surplace.vault.rotation`): once a rotation
has finished, every digest is under the current generation, which is the only one a later
unlock holds. While a rotation is under way every generation in the keyring is tried, so a
record not yet re-keyed is still recognised.

Dedupe, per source:

- same content already held (the digest matches a record of the source, or one added earlier in
  this intake) → *present*, nothing written;
- same ``source_row`` (the row's identity in its source) with different content → a new record
  that supersedes the one held (the latest of that row's chain);
- else a new record.

Records are written in bulk with the driver's ``executemany``, or PostgreSQL's ``COPY`` (each
payload sealed here, with the same associated data the ORM's ``Sensitive`` field uses), because
the ORM's per-object flush was the import's bottleneck, and SQLAlchemy's per-value bind
processing the next one. That bypasses the per-row audit of the flush events: the caller records
one audit entry for the whole intake (the import batch, with its counts), and every record
names its batch in ``import_batch_id``.

Which source rows and which content digests the source holds are kept in two Bloom filters
(16 MiB each, whatever the size of the source), so that the store is asked about a row or a
digest only when it may be held: memory stays bounded on a million rows, and the first import
of a file makes no look-up at all (asking about every digest cost as much as the inserts).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import numpy as np
import numpy.typing as npt
from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from surplace.access.policy import Actor, require
from surplace.records.gazetteer_data import place_key
from surplace.records.models import Place, Record
from surplace.store.base import utcnow
from surplace.vault.crypto import DataKey, subkey
from surplace.vault.fields import keyring_of

IMPORTED, SUPERSEDING, PRESENT = "imported", "superseding", "present"
_LOOKUP_CHUNK = 500
_DIGEST_PURPOSE = "record-content/v1"
COLUMNS = ("id", "source_id", "source_row", "received_at", "content_digest", "supersedes_id",
            "import_batch_id", "sex", "birth_year", "origin_province", "event_year", "payload")


@dataclass(slots=True)
class RecordIn:
    """One record to add: its identity in the source, its payload (sealed) and the clear
    statistical columns."""

    source_row: str | None
    payload: dict[str, Any]
    sex: str | None = None
    birth_year: int | None = None
    origin_province: str | None = None
    event_year: int | None = None


# The vault's JSON codec (json.dumps with these options), as one encoder: json.dumps builds an
# encoder on every call when given options, which cost a third of the encoding.
_ENCODE = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode


def payload_bytes(payload: dict[str, Any]) -> bytes:
    """The payload as ``Record.payload`` stores it (the vault's JSON codec)."""
    return _ENCODE(payload).encode("utf-8")


def _digest_key(key: DataKey) -> bytes:
    return subkey(key.raw, _DIGEST_PURPOSE)


def new_ids(count: int) -> list[str]:
    """``count`` random row identities in the form :func:`surplace.store.base.new_id` gives
    (UUID4 text), from one call for random bytes: ``uuid.uuid4()`` per row cost as much as
    sealing the row."""
    raw = os.urandom(16 * count)
    ids = []
    for start in range(0, 16 * count, 16):
        h = raw[start:start + 16].hex()
        # version 4 in the 13th hex digit, variant 10xx in the 17th (RFC 9562)
        ids.append(f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}")
    return ids


_VARIANT = {f"{n:x}": f"{8 + (n & 3):x}" for n in range(16)}


def content_digest(key: DataKey, *, source_row: str | None, payload: dict[str, Any]) -> bytes:
    """The keyed digest of a record's content under one key generation (32 bytes)."""
    return stored_content_digest(key, source_row=source_row, body=payload_bytes(payload))


def stored_content_digest(key: DataKey, *, source_row: str | None, body: bytes) -> bytes:
    """:func:`content_digest` from the payload's bytes as sealed (what a rotation opens)."""
    return _digest(_digest_key(key), key.version, source_row, body)


def _digest(digest_key: bytes, version: int, source_row: str | None, body: bytes) -> bytes:
    return _Digester(digest_key, version)(source_row, body)


class _Digester:
    """:func:`_digest` under one key, keyed once: copying a keyed HMAC is cheaper than keying
    one per record."""

    def __init__(self, digest_key: bytes, version: int) -> None:
        self.keyed = hmac.new(digest_key, digestmod=hashlib.sha256)
        self.prefix = bytes([version % 256])

    def __call__(self, source_row: str | None, body: bytes) -> bytes:
        mac = self.keyed.copy()
        mac.update(b"\x00\x1f" if source_row is None
                   else b"\x01" + source_row.encode("utf-8") + b"\x1f")
        mac.update(body)
        return self.prefix + mac.digest()[:31]


class _Filter:
    """A Bloom filter: "maybe held" or "certainly not", in 16 MiB whatever the count.

    Four probes from 128 bits of a key's hash: under one false positive in a million at a
    million keys. A source row's hash is Python's own string hash (SipHash, per process: the
    filter lives only as long as the intake); a content digest is already a keyed hash, so its
    own bytes are the probes. Keys are added and asked about a batch at a time with numpy
    (an (n, 4) array of probes), since a Python loop over probes cost as much per row as
    sealing it; a Bloom filter is a few lines, not worth a dependency for these two uses.
    """

    BITS = 1 << 27
    _MASK = np.uint64(BITS - 1)

    def __init__(self) -> None:
        self.bits = np.zeros(self.BITS // 8, dtype=np.uint8)
        self.empty = True

    @classmethod
    def row_probes(cls, keys: Sequence[str]) -> Probes:
        """The probes of source rows: the low and high 64 bits of the hash, 32 bits a probe."""
        count = len(keys)
        low = np.fromiter((hash(key) & _U64 for key in keys), dtype=np.uint64, count=count)
        high = np.fromiter((hash((key, 1)) & _U64 for key in keys), dtype=np.uint64,
                           count=count)
        shift = np.uint64(32)
        return np.stack([low, low >> shift, high, high >> shift], axis=1) & cls._MASK

    @classmethod
    def digest_probes(cls, digests: Sequence[bytes]) -> Probes:
        """The probes of content digests: bytes 1 to 16 (after the generation byte) as four
        little-endian 32-bit words."""
        words = np.frombuffer(b"".join(digest[1:17] for digest in digests), dtype="<u4")
        return words.reshape(-1, 4).astype(np.uint64) & cls._MASK

    def add(self, probes: Probes) -> None:
        if len(probes):
            # ufunc.at, unlike fancy assignment, keeps every bit when probes share a byte.
            np.bitwise_or.at(self.bits, probes >> np.uint64(3),
                             np.left_shift(1, probes & np.uint64(7)).astype(np.uint8))
            self.empty = False

    def maybe_held(self, probes: Probes) -> npt.NDArray[np.bool_]:
        """Per key (row of ``probes``): whether the filter may hold it."""
        if self.empty or not len(probes):
            return np.zeros(len(probes), dtype=np.bool_)
        found = self.bits[probes >> np.uint64(3)] & np.left_shift(1, probes & np.uint64(7))
        return np.asarray(found.all(axis=1), dtype=np.bool_)


Probes = npt.NDArray[np.uint64]
_U64 = 0xFFFF_FFFF_FFFF_FFFF


class Intake:
    """Adds records of one source in the caller's transaction (see the module docstring)."""

    def __init__(self, session: Session, *, actor: Actor, source_id: str,
                 import_batch_id: str | None = None) -> None:
        require(actor, "source.write")
        self.session = session
        self.source_id = source_id
        self.import_batch_id = import_batch_id
        self.keyring = keyring_of(session, "record.payload")
        current = self.keyring.current
        self._digester = _Digester(_digest_key(current), current.version)
        self._others = [_Digester(_digest_key(self.keyring.get(v)), v)
                        for v in self.keyring.versions if v != current.version]
        # The driver's own executemany (or COPY) with the values as they are stored:
        # SQLAlchemy's per-value bind processing cost as much as sealing. The payload is sealed
        # in add (SealedBytes's plaintext guard is therefore not needed on this path).
        dialect = session.get_bind().dialect
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        self._copy = (f"COPY record ({', '.join(COLUMNS)}) FROM STDIN"
                      if dialect.name == "postgresql" and dialect.driver == "psycopg" else None)
        self._insert = (f"INSERT INTO record ({', '.join(COLUMNS)}) "  # noqa: S608 - constants
                        f"VALUES ({', '.join([mark] * len(COLUMNS))})")
        # What the source holds, as two filters: the store is asked only about a row or a
        # digest the filters may hold (a first import of a file asks nothing).
        self._rows, self._digests = _Filter(), _Filter()
        query = select(Record.source_row, Record.content_digest).where(
            Record.source_id == source_id)
        result = session.execute(query.execution_options(yield_per=10_000))
        for partition in result.partitions():
            self._rows.add(_Filter.row_probes(
                [str(source_row) for source_row, _ in partition if source_row is not None]))
            self._digests.add(_Filter.digest_probes([bytes(digest) for _, digest in partition]))

    def add(self, items: Sequence[RecordIn], received_at: datetime | None = None) -> list[str]:
        """Add a batch; returns, per item, ``imported``, ``superseding`` or ``present``."""
        digester = self._digester
        source_rows = [item.source_row for item in items]
        bodies = [payload_bytes(item.payload) for item in items]
        digests = [digester(source_row, body)
                   for source_row, body in zip(source_rows, bodies, strict=True)]
        held = self._held_digests(digests, source_rows, bodies)
        # Only a row with new content can supersede; only one the filter may hold is looked up.
        # (A record without a source row is probed as "", and never looked up.)
        row_probes = _Filter.row_probes([row or "" for row in source_rows])
        maybe_rows = self._rows.maybe_held(row_probes)
        heads = self._heads([row for row, digest, maybe
                             in zip(source_rows, digests, maybe_rows.tolist(), strict=True)
                             if maybe and row is not None and digest not in held])
        at = self._received_at(received_at or utcnow())
        outcomes: list[str] = []
        fields: list[tuple[Any, ...]] = []
        to_seal: list[tuple[bytes, bytes]] = []
        written: list[int] = []
        seen: set[bytes] = set()
        ids = iter(new_ids(len(items)))
        source_id, import_batch_id = self.source_id, self.import_batch_id
        for index, (item, body, digest) in enumerate(zip(items, bodies, digests, strict=True)):
            if digest in held or digest in seen:
                outcomes.append(PRESENT)
                continue
            seen.add(digest)
            record_id = next(ids)
            source_row = item.source_row
            supersedes = heads.get(source_row) if source_row is not None else None
            fields.append((
                record_id, source_id, source_row, at, digest, supersedes, import_batch_id,
                item.sex, item.birth_year, item.origin_province, item.event_year))
            # The associated data Sensitive uses: table, column and row id.
            to_seal.append((body, f"record.payload#{record_id}".encode()))
            written.append(index)
            outcomes.append(SUPERSEDING if supersedes else IMPORTED)
            if source_row is not None:
                heads[source_row] = record_id
        if fields:
            sealed = self.keyring.current.seal_many(to_seal)
            self.write_stored([(*row, payload)
                               for row, payload in zip(fields, sealed, strict=True)])
            self._digests.add(_Filter.digest_probes([digests[i] for i in written]))
            self._rows.add(row_probes[[i for i in written if source_rows[i] is not None]])
        return outcomes

    def write_stored(self, rows: list[tuple[Any, ...]]) -> None:
        """Insert rows already in their stored form (the columns of :data:`COLUMNS`, payload
        sealed): PostgreSQL's COPY where the driver is psycopg (one stream, not a statement per
        row), else the driver's executemany. No dedupe, no audit: :meth:`add` is the way in;
        this is its last step, public so that the import benchmark can time it alone."""
        connection = self.session.connection()
        if self._copy:
            raw = connection.connection.dbapi_connection
            assert raw is not None
            with raw.cursor() as cursor, cursor.copy(self._copy) as copy:  # type: ignore[attr-defined]
                for row in rows:
                    copy.write_row(row)
        else:
            connection.exec_driver_sql(self._insert, rows)

    def _received_at(self, moment: datetime) -> Any:
        """The time as the driver takes it (SQLite: the text SQLAlchemy's DateTime writes, once
        per batch; the driver's own adapter would write another form, for every row)."""
        column = cast(Table, Record.__table__).c.received_at
        dialect = self.session.get_bind().dialect
        process = column.type.dialect_impl(dialect).bind_processor(dialect)
        return process(moment) if process is not None else moment

    def _held_digests(self, digests: list[bytes], source_rows: list[str | None],
                      bodies: list[bytes]) -> set[bytes]:
        """The digests among ``digests`` the source already holds; during a rotation a record
        digested under an older generation counts as its current-generation twin."""
        held: set[bytes] = set()
        if self._digests.empty:
            return held
        wanted = {d: d for d in digests}
        for other in self._others:
            for source_row, body, digest in zip(source_rows, bodies, digests, strict=True):
                wanted[other(source_row, body)] = digest
        keys = list(wanted)
        maybe = self._digests.maybe_held(_Filter.digest_probes(keys)).tolist()
        candidates = [d for d, may in zip(keys, maybe, strict=True) if may]
        for start in range(0, len(candidates), _LOOKUP_CHUNK):
            chunk = candidates[start:start + _LOOKUP_CHUNK]
            query = select(Record.content_digest).where(Record.source_id == self.source_id,
                                                        Record.content_digest.in_(chunk))
            held.update(wanted[bytes(d)] for d in self.session.scalars(query))
        return held

    def _heads(self, source_rows: Iterable[str]) -> dict[str, str]:
        """source row → the latest record of its chain (the one no other supersedes)."""
        wanted = sorted(set(source_rows))
        chains: dict[str, list[tuple[str, str | None]]] = {}
        for start in range(0, len(wanted), _LOOKUP_CHUNK):
            chunk = wanted[start:start + _LOOKUP_CHUNK]
            query = select(Record.source_row, Record.id, Record.supersedes_id).where(
                Record.source_id == self.source_id, Record.source_row.in_(chunk))
            for source_row, record_id, supersedes in self.session.execute(query):
                chains.setdefault(str(source_row), []).append((record_id, supersedes))
        heads: dict[str, str] = {}
        for source_row, chain in chains.items():
            superseded = {old for _, old in chain if old}
            latest = [record_id for record_id, _ in chain if record_id not in superseded]
            if latest:
                heads[source_row] = sorted(latest)[-1]
        return heads


class ProvinceIndex:
    """Which province a place reference is in, for many references: the gazetteer read once.

    :func:`surplace.records.gazetteer.resolve_place` reads every place on each call (about
    18 ms), which an import of many distinct spellings cannot afford. This index answers the
    same question for the same spellings (a place's code, names and aliases, a province's
    ISO code, folded by ``place_key``; a code wins over names; a spelling two places share is
    ambiguous) from one read. It answers None where ``resolve_place`` would refuse; the caller
    asks ``resolve_place`` itself when it needs the refusal's suggestions.
    """

    def __init__(self, session: Session) -> None:
        self._codes: dict[str, str | None] = {}
        names: dict[str, set[str]] = {}
        provinces: dict[str, str | None] = {}
        for place in session.scalars(select(Place)):
            provinces[place.id] = place.iso_3166_2
            self._codes[place_key(place.code)] = place.iso_3166_2
            spellings = [place.name_en, place.name_ko, place.name_zh, *(place.aliases or [])]
            if place.level == "province" and place.iso_3166_2:
                spellings.append(place.iso_3166_2)
            for spelling in spellings:
                if spelling:
                    names.setdefault(place_key(spelling), set()).add(place.id)
        self._names = {key: provinces[next(iter(ids))] for key, ids in names.items()
                       if len(ids) == 1}

    def province(self, reference: str) -> str | None:
        key = place_key(reference)
        if key in self._codes:
            return self._codes[key]
        return self._names.get(key)
