"""Adding records: recognised by a keyed content digest, deduplicated, corrections superseding.

Each record carries ``content_digest``: HMAC-SHA256, under a key derived from the data key, of
its source row identity and its payload (the first byte is the key generation, as for blind
indexes). A bare hash of a name and a birth date could be reversed by hashing guesses; a keyed
one cannot without the key. The digest is computed from what the record itself holds, so a
rotation can recompute it (:func:`content_digest`). While a rotation is under way every
generation in the keyring is tried, so a file imported before it is still recognised.

Dedupe, per source:

- same content already held (the digest matches a record of the source, or one added earlier in
  this intake) → *present*, nothing written;
- same ``source_row`` (the row's identity in its source) with different content → a new record
  that supersedes the one held (the latest of that row's chain);
- else a new record.

Records are written in bulk with the driver's ``executemany`` (each payload sealed here, with
the same associated data the ORM's ``Sensitive`` field uses), because the ORM's per-object flush
was the import's bottleneck, and SQLAlchemy's per-value bind processing the next one. That
bypasses the per-row audit of the flush events: the caller records one audit entry for the whole
intake (the import batch, with its counts), and every record names its batch in
``import_batch_id``.

Which source rows are held is kept in a Bloom filter (16 MiB whatever the size of the source),
so that a row is looked up in the store only when it may be held: memory stays bounded on a
million rows. ``record`` has no index on ``source_row`` yet, so each look-up scans the source's
records; a file of corrections to a very large source is slow until that index exists.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from surplace.access.policy import Actor, require
from surplace.records.gazetteer_data import place_key
from surplace.records.models import Place, Record
from surplace.store.base import new_id, utcnow
from surplace.vault.crypto import DataKey, subkey
from surplace.vault.fields import keyring_of

IMPORTED, SUPERSEDING, PRESENT = "imported", "superseding", "present"
_LOOKUP_CHUNK = 500
_DIGEST_PURPOSE = "record-content/v1"
_COLUMNS = ("id", "source_id", "source_row", "received_at", "content_digest", "supersedes_id",
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


def payload_bytes(payload: dict[str, Any]) -> bytes:
    """The payload as ``Record.payload`` stores it (the vault's JSON codec)."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")


def _digest_key(key: DataKey) -> bytes:
    return subkey(key.raw, _DIGEST_PURPOSE)


def content_digest(key: DataKey, *, source_row: str | None, payload: dict[str, Any]) -> bytes:
    """The keyed digest of a record's content under one key generation (32 bytes)."""
    return _digest(_digest_key(key), key.version, source_row, payload_bytes(payload))


def _digest(digest_key: bytes, version: int, source_row: str | None, body: bytes) -> bytes:
    row = b"\x00" if source_row is None else b"\x01" + source_row.encode("utf-8")
    mac = hmac.new(digest_key, row + b"\x1f" + body, hashlib.sha256).digest()
    return bytes([version % 256]) + mac[:31]


class _RowFilter:
    """A Bloom filter of source-row identities: "maybe held" or "certainly not"."""

    BITS = 1 << 27  # 16 MiB; four probes: under one false positive in a million at 1M rows

    def __init__(self) -> None:
        self.bits = bytearray(self.BITS // 8)

    @staticmethod
    def _probes(key: str) -> tuple[int, int, int, int]:
        digest = hashlib.blake2b(key.encode("utf-8"), digest_size=16).digest()
        mask = _RowFilter.BITS - 1
        return (int.from_bytes(digest[0:4], "little") & mask,
                int.from_bytes(digest[4:8], "little") & mask,
                int.from_bytes(digest[8:12], "little") & mask,
                int.from_bytes(digest[12:16], "little") & mask)

    def add(self, key: str) -> None:
        bits = self.bits
        for probe in self._probes(key):
            bits[probe >> 3] |= 1 << (probe & 7)

    def __contains__(self, key: str) -> bool:
        bits = self.bits
        return all(bits[p >> 3] & (1 << (p & 7)) for p in self._probes(key))


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
        self._current = (current.version, _digest_key(current))
        self._others = [(v, _digest_key(self.keyring.get(v))) for v in self.keyring.versions
                        if v != current.version]
        # The driver's own executemany with the values as they are stored: SQLAlchemy's
        # per-value bind processing cost as much as sealing. The payload is sealed just above
        # (SealedBytes's plaintext guard is therefore not needed on this path).
        mark = "?" if session.get_bind().dialect.paramstyle == "qmark" else "%s"
        self._insert = (f"INSERT INTO record ({', '.join(_COLUMNS)}) "  # noqa: S608 - constants
                        f"VALUES ({', '.join([mark] * len(_COLUMNS))})")
        self._rows = _RowFilter()
        self._any_row = False
        query = select(Record.source_row).where(Record.source_id == source_id,
                                                Record.source_row.is_not(None))
        for source_row in session.scalars(query.execution_options(yield_per=10_000)):
            self._rows.add(str(source_row))
            self._any_row = True

    def add(self, items: Sequence[RecordIn], received_at: datetime | None = None) -> list[str]:
        """Add a batch; returns, per item, ``imported``, ``superseding`` or ``present``."""
        version, key = self._current
        bodies = [payload_bytes(item.payload) for item in items]
        digests = [_digest(key, version, item.source_row, body)
                   for item, body in zip(items, bodies, strict=True)]
        held = self._held_digests(digests, items, bodies)
        # Only a row with new content can supersede; only one the filter may hold is looked up.
        heads = self._heads([item.source_row for item, digest in zip(items, digests, strict=True)
                             if digest not in held and item.source_row is not None
                             and self._any_row and item.source_row in self._rows])
        at = self._received_at(received_at or utcnow())
        outcomes: list[str] = []
        rows: list[tuple[Any, ...]] = []
        seen: set[bytes] = set()
        seal = self.keyring.seal
        for item, body, digest in zip(items, bodies, digests, strict=True):
            if digest in held or digest in seen:
                outcomes.append(PRESENT)
                continue
            seen.add(digest)
            record_id = new_id()
            supersedes = heads.get(item.source_row) if item.source_row is not None else None
            rows.append((
                record_id, self.source_id, item.source_row, at, digest, supersedes,
                self.import_batch_id, item.sex, item.birth_year, item.origin_province,
                item.event_year,
                # The associated data Sensitive uses: table, column and row id.
                seal(body, f"record.payload#{record_id}".encode())))
            outcomes.append(SUPERSEDING if supersedes else IMPORTED)
            if item.source_row is not None:
                heads[item.source_row] = record_id
                self._rows.add(item.source_row)
                self._any_row = True
        if rows:
            self.session.connection().exec_driver_sql(self._insert, rows)
        return outcomes

    def _received_at(self, moment: datetime) -> Any:
        """The time as the driver takes it (SQLite: the text SQLAlchemy's DateTime writes)."""
        column = cast(Table, Record.__table__).c.received_at
        process = column.type.bind_processor(self.session.get_bind().dialect)
        return process(moment) if process is not None else moment

    def _held_digests(self, digests: list[bytes], items: Sequence[RecordIn],
                      bodies: list[bytes]) -> set[bytes]:
        """The digests among ``digests`` the source already holds; during a rotation a record
        digested under an older generation counts as its current-generation twin."""
        wanted = {d: d for d in digests}
        for version, key in self._others:
            for item, body, digest in zip(items, bodies, digests, strict=True):
                wanted[_digest(key, version, item.source_row, body)] = digest
        held: set[bytes] = set()
        candidates = list(wanted)
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
