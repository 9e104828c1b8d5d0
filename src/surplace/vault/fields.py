"""Sensitive fields: declared once on the model, sealed on flush, opened on read, audited.

A model declares a sensitive field as ``name = Sensitive(TEXT, blind_index=True)``. That one line
adds the mapped column ``name_sealed`` (column ``name`` in the database, type :class:`SealedBytes`)
and, when asked, ``name_bidx`` (a keyed HMAC of the normalised value for exact look-up). Reading
``person.name`` opens the sealed value with the session's keyring and records the read for the
audit chain; setting it keeps the plaintext on the object until the session flushes, when it is
sealed with the table, column and row id as associated data. Without a keyring in the session
both raise :class:`~surplace.vault.exceptions.VaultLocked`.

``SENSITIVE_FIELDS`` lists every declaration, so rotation, tests and documentation walk the same
list that the models declare.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar, overload

from sqlalchemy import LargeBinary, event, select
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session, mapped_column, object_session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator

from surplace.vault.crypto import looks_sealed, normalise_for_index
from surplace.vault.exceptions import PlaintextRefused, VaultError, VaultLocked
from surplace.vault.keyring import Keyring

T = TypeVar("T")

KEYRING = "surplace.keyring"
AUDIT_READS = "surplace.audit_reads"
_PENDING = "_surplace_pending"
_OPENED = "_surplace_opened"


class SealedBytes(TypeDecorator[bytes]):
    """A column that only ever accepts sealed envelopes: plaintext cannot reach the database."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: bytes | None, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        if type(value) is bytes:  # the usual case, without a copy
            if not looks_sealed(value):
                raise PlaintextRefused("(unsealed value)")
            return value
        if not isinstance(value, bytes | bytearray | memoryview) or not looks_sealed(bytes(value)):
            raise PlaintextRefused("(unsealed value)")
        return bytes(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> bytes | None:
        return None if value is None else bytes(value)


@dataclass(frozen=True)
class Codec(Generic[T]):
    name: str
    encode: Any
    decode: Any


TEXT: Codec[str] = Codec("text", lambda v: str(v).encode("utf-8"), lambda b: b.decode("utf-8"))
DATE: Codec[date] = Codec(
    "date", lambda v: v.isoformat().encode(), lambda b: date.fromisoformat(b.decode())
)
JSON: Codec[Any] = Codec(
    "json",
    lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True).encode("utf-8"),
    lambda b: json.loads(b.decode("utf-8")),
)


@dataclass(frozen=True)
class SensitiveField:
    table: str
    attribute: str
    sealed_attribute: str
    index_attribute: str | None
    owner: type


SENSITIVE_FIELDS: list[SensitiveField] = []


def keyring_of(session: Session | None, what: str) -> Keyring:
    keyring = None if session is None else session.info.get(KEYRING)
    if keyring is None:
        raise VaultLocked(what)
    return keyring  # type: ignore[no-any-return]


def _where(table: str, column: str, row_id: object) -> bytes:
    return f"{table}.{column}#{row_id}".encode()


class Sensitive(Generic[T]):
    """Descriptor for one sensitive field; see the module docstring."""

    def __init__(self, codec: Codec[T], *, blind_index: bool = False, doc: str = "") -> None:
        self.codec = codec
        self.blind_index = blind_index
        self.__doc__ = doc

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.sealed_attribute = f"{name}_sealed"
        self.index_attribute = f"{name}_bidx" if self.blind_index else None
        setattr(owner, self.sealed_attribute, mapped_column(name, SealedBytes, nullable=True))
        if self.index_attribute:
            setattr(
                owner,
                self.index_attribute,
                mapped_column(f"{name}_bidx", LargeBinary(16), nullable=True, index=True),
            )
        self.owner = owner
        self.table = str(owner.__dict__.get("__tablename__", owner.__name__))
        SENSITIVE_FIELDS.append(
            SensitiveField(self.table, name, self.sealed_attribute, self.index_attribute, owner)
        )

    @overload
    def __get__(self, instance: None, owner: type) -> Sensitive[T]: ...
    @overload
    def __get__(self, instance: object, owner: type) -> T | None: ...
    def __get__(self, instance: object | None, owner: type) -> Sensitive[T] | T | None:
        if instance is None:
            return self
        pending: dict[str, Any] = instance.__dict__.get(_PENDING, {})
        if self.name in pending:
            return pending[self.name]  # type: ignore[no-any-return]
        opened: dict[str, Any] = instance.__dict__.setdefault(_OPENED, {})
        if self.name in opened:
            return opened[self.name]  # type: ignore[no-any-return]
        sealed = getattr(instance, self.sealed_attribute)
        if sealed is None:
            return None
        session = object_session(instance)
        where = _where(self.table, self.name, instance.id)  # type: ignore[attr-defined]
        keyring = keyring_of(session, f"{self.table}.{self.name}")
        value: T = self.codec.decode(keyring.open(sealed, where))
        opened[self.name] = value
        assert session is not None
        session.info.setdefault(AUDIT_READS, set()).add(
            (self.table, str(instance.id), self.name)  # type: ignore[attr-defined]
        )
        return value

    def __set__(self, instance: object, value: T | None) -> None:
        instance.__dict__.setdefault(_PENDING, {})[self.name] = value
        instance.__dict__.get(_OPENED, {}).pop(self.name, None)
        # An empty marker makes the row dirty; the flush replaces it with the sealed value.
        setattr(instance, self.sealed_attribute, b"")

    def index_matches(self, session: Session, value: str) -> ColumnElement[bool]:
        """A WHERE clause matching rows whose value equals ``value`` after normalisation."""
        if not self.index_attribute:
            raise TypeError(f"{self.table}.{self.name} has no blind index")
        keyring = keyring_of(session, f"a search on {self.table}.{self.name}")
        column = getattr(self.owner, self.index_attribute)
        return column.in_(keyring.blind_indexes(normalise_for_index(value)))  # type: ignore[no-any-return]

    def seal_pending(self, instance: object, keyring: Keyring) -> None:
        pending: dict[str, Any] = instance.__dict__.get(_PENDING, {})
        if self.name not in pending:
            return
        value = pending.pop(self.name)
        if value is None:
            setattr(instance, self.sealed_attribute, None)
            if self.index_attribute:
                setattr(instance, self.index_attribute, None)
        else:
            where = _where(self.table, self.name, instance.id)  # type: ignore[attr-defined]
            setattr(instance, self.sealed_attribute, keyring.seal(self.codec.encode(value), where))
            if self.index_attribute:
                index = keyring.current.blind_index(normalise_for_index(str(value)))
                setattr(instance, self.index_attribute, index)
        instance.__dict__.setdefault(_OPENED, {})[self.name] = value


_DESCRIPTORS: dict[type, list[Sensitive[Any]]] = {}


def sensitive_descriptors(cls: type) -> list[Sensitive[Any]]:
    # Cached per class: a class's descriptors are all in place once it is defined, and walking
    # its MRO on every flush of every object showed up in profiles of bulk imports.
    found = _DESCRIPTORS.get(cls)
    if found is None:
        found = [
            value for klass in cls.__mro__ for value in vars(klass).values()
            if isinstance(value, Sensitive)
        ]
        _DESCRIPTORS[cls] = found
    return list(found)


@event.listens_for(Session, "before_flush")
def _seal_pending_values(session: Session, flush_context: object, instances: object) -> None:
    touched = [obj for obj in (*session.new, *session.dirty) if _PENDING in obj.__dict__]
    if not touched:
        return
    keyring = keyring_of(session, "a sensitive value")
    _refuse_a_stale_keyring(session, keyring)
    for obj in touched:
        for descriptor in sensitive_descriptors(type(obj)):
            descriptor.seal_pending(obj, keyring)
        if not obj.__dict__[_PENDING]:
            del obj.__dict__[_PENDING]


def _refuse_a_stale_keyring(session: Session, keyring: Keyring) -> None:
    """Refuse to seal under a generation older than the store's current one.

    A process unlocked before a rotation finished would otherwise keep sealing under the old
    generation, which users whose slots were rewrapped to the new one could not read.
    """
    from surplace.vault.models import VaultState

    with session.no_autoflush:
        current = session.execute(
            select(VaultState.current_key_version).where(VaultState.id == 1)
        ).scalar_one_or_none()
    if current is not None and current > keyring.current.version:
        raise VaultError(
            f"The store's data key was rotated to generation {current} after this session "
            "was unlocked; unlock again to write."
        )
