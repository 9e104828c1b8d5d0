"""Declarative base shared by every domain's tables.

Primary keys are random UUIDs assigned when an object is constructed, not when it is flushed:
the vault binds each encrypted value to its row's identity, so the identity must exist before
the first sensitive field is set.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_id() -> str:
    """A random row identity (UUID4 text); reveals nothing about the row."""
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive times; every time stored here is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _construct(self: Any, **kwargs: Any) -> None:
    mapper = type(self).__mapper__
    if "id" in mapper.columns and kwargs.get("id") is None and getattr(self, "id", None) is None:
        kwargs = {"id": new_id(), **kwargs}
    elif "id" in kwargs:
        kwargs = {"id": kwargs["id"], **kwargs}
    cls = type(self)
    for key, value in kwargs.items():
        if not hasattr(cls, key):
            raise TypeError(f"{key!r} is an invalid keyword argument for {cls.__name__}")
        setattr(self, key, value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    def __init__(self, **kwargs: Any) -> None:
        _construct(self, **kwargs)


class IdMixin:
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
