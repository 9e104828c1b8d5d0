"""Published aggregate tables: a disclosure-controlled table frozen as it was when someone
published it, for every role to read (viewers included).

A row holds only what the protected table publishes — its dimensions, categories and cells, a
suppressed cell as ``null`` — with who published it, when, under which filters and at which
threshold. It never holds the unsuppressed counts nor anyone's identity, so nothing in it is
sealed: the table is meant to be read by people who may not read the store's records.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON as PlainJSON
from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from surplace.store.base import Base, IdMixin, utcnow


class PublishedAggregate(IdMixin, Base):
    __tablename__ = "published_aggregate"

    #: The standard table's name (:data:`surplace.io.export.tables.TABLES`).
    table_name: Mapped[str] = mapped_column(String(48))
    #: The publisher's title for readers (public by intent: not an identity).
    title: Mapped[str] = mapped_column(String(200))
    #: The filters the table was made with, as text ({"year_from": "2012", "province": "KP-09"}).
    filters: Mapped[dict[str, str]] = mapped_column(PlainJSON, default=dict)
    dimensions: Mapped[list[str]] = mapped_column(PlainJSON, default=list)
    categories: Mapped[list[list[str]]] = mapped_column(PlainJSON, default=list)
    #: Every published cell and margin as ``[key, count]``; ``count`` is null when suppressed.
    cells: Mapped[list[list[Any]]] = mapped_column(PlainJSON, default=list)
    threshold: Mapped[int] = mapped_column(Integer)
    protection: Mapped[int] = mapped_column(Integer)
    suppressed: Mapped[int] = mapped_column(Integer)
    published_by: Mapped[str] = mapped_column(ForeignKey("user_account.id"))
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                   index=True)
    withdrawn_by: Mapped[str | None] = mapped_column(ForeignKey("user_account.id"),
                                                     nullable=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
