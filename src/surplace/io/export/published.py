"""Published aggregates: standard tables (:mod:`~surplace.io.export.tables`) frozen with their
disclosure control and kept for every role to read, viewers included.

Publishing needs ``aggregate.read`` (to make the table) and ``aggregate.publish``; the snapshot
stores only the published cells (a suppressed one as ``null``), who published it and when,
the filters and the threshold. Those are counts with small cells suppressed, never an identity,
so nothing is sealed and a role that reads no records (``aggregate.published.read``) may read
them. A snapshot does not change when the store does: it says what was published, and is
withdrawn (by its publisher or an administrator), not edited. A withdrawn table is gone for
readers; a role that publishes still finds it by its id, marked withdrawn.

Publishing and withdrawing each write one audit entry (table name, filters, threshold,
suppressed cells — never a count).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, PrivateAttr
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surplace.access.models import User
from surplace.access.policy import AccessDenied, Actor, require
from surplace.errors import InvalidInput, SurplaceError
from surplace.io.export.disclosure import TOTAL, ProtectedTable
from surplace.io.export.published_models import PublishedAggregate
from surplace.io.export.tables import TABLES, TableQuery, TableSpec, build_table
from surplace.store.base import as_utc, utcnow
from surplace.vault import audit

#: Roles that may withdraw a table someone else published.
WITHDRAWS_ANY = frozenset({"admin"})
TITLE_LENGTH = 200
MAX_LIMIT = 200


class PublishedNotFound(SurplaceError):
    def __init__(self, published_id: str) -> None:
        super().__init__(f"No published table {published_id!r}.")


class CellOut(BaseModel):
    """One cell or margin: its category in each dimension (``total`` for a margin) and its
    count, ``null`` when suppressed."""

    key: list[str]
    count: int | None


class AggregateTableOut(BaseModel):
    """A protected table as the faces show it: nothing in it is a count below the threshold."""

    table: str
    label: str
    dimensions: list[str]
    categories: list[list[str]]
    filters: dict[str, str]
    threshold: int
    protection: int
    suppressed: int
    cells: list[CellOut]
    _by_key: dict[tuple[str, ...], int | None] | None = PrivateAttr(default=None)

    def count_at(self, *key: str) -> int | None:
        """The count of the cell ``key`` (``None`` when suppressed)."""
        return self._lookup().get(tuple(key))

    def nonempty(self, axis: int) -> list[str]:
        """The categories of one dimension whose margin is not a published zero, and the
        total: a category left out has nobody counted in any of its cells, which a published
        zero margin says already, so leaving it out hides nothing and shortens the table."""
        found = self._lookup()
        kept = []
        for name in self.categories[axis]:
            key = tuple(name if k == axis else TOTAL for k in range(len(self.dimensions)))
            if name == TOTAL or found.get(key) != 0:
                kept.append(name)
        return kept

    def _lookup(self) -> dict[tuple[str, ...], int | None]:
        if self._by_key is None:
            self._by_key = {tuple(cell.key): cell.count for cell in self.cells}
        return self._by_key


class PublishedSummary(BaseModel):
    id: str
    title: str
    table: str
    label: str
    filters: dict[str, str]
    threshold: int
    published_at: datetime
    published_by: str | None
    withdrawn_at: datetime | None = None
    withdrawn_by: str | None = None


class PublishedOut(PublishedSummary):
    """A published table with its cells."""

    dimensions: list[str]
    categories: list[list[str]]
    protection: int
    suppressed: int
    cells: list[CellOut]
    #: Whether the user who asked may withdraw it (its publisher, or an administrator).
    can_withdraw: bool = False

    def as_table(self) -> AggregateTableOut:
        return AggregateTableOut(
            table=self.table, label=self.label, dimensions=self.dimensions,
            categories=self.categories, filters=self.filters, threshold=self.threshold,
            protection=self.protection, suppressed=self.suppressed, cells=self.cells)


def table_out(spec: TableSpec, query: TableQuery, table: ProtectedTable) -> AggregateTableOut:
    """What may be shown of a protected table: its cells as published, never its values."""
    return AggregateTableOut(
        table=spec.name, label=spec.label, dimensions=list(table.dimensions),
        categories=[[*names, TOTAL] for names in table.categories], filters=query.given(),
        threshold=table.threshold, protection=table.protection,
        suppressed=table.suppressed_count,
        cells=[CellOut(key=list(cell.key), count=cell.count) for cell in table.cells()])


def aggregate_table(session: Session, *, actor: Actor, table: str,
                    query: TableQuery | None = None) -> AggregateTableOut:
    """The standard table ``table`` made now, protected. Needs ``aggregate.read``."""
    spec, wanted, protected = build_table(session, actor=actor, name=table, query=query)
    return table_out(spec, wanted, protected)


def _title(value: str) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise InvalidInput("title: give the table a title for its readers.")
    if len(text) > TITLE_LENGTH or any(not char.isprintable() for char in text):
        raise InvalidInput(f"title: at most {TITLE_LENGTH} printable characters.")
    return text


def publish_table(session: Session, *, actor: Actor, table: str, title: str,
                  query: TableQuery | None = None) -> PublishedOut:
    """Make the standard table ``table`` under ``query`` and store it as published."""
    require(actor, "aggregate.publish")
    heading = _title(title)
    made = aggregate_table(session, actor=actor, table=table, query=query)
    row = PublishedAggregate(
        table_name=made.table, title=heading, filters=made.filters, dimensions=made.dimensions,
        categories=made.categories, cells=[[cell.key, cell.count] for cell in made.cells],
        threshold=made.threshold, protection=made.protection, suppressed=made.suppressed,
        published_by=actor.user_id, published_at=utcnow())
    session.add(row)
    session.flush()
    audit.record(session, "aggregate.publish", "published_aggregate", row.id, detail={
        "table": made.table, "filters": made.filters, "threshold": made.threshold,
        "suppressed": made.suppressed})
    return _out(row, actor.name, None)


def _names(session: Session, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.name).where(User.id.in_(sorted(ids)))).all())


def _summary_fields(row: PublishedAggregate, publisher: str | None,
                    withdrawer: str | None) -> dict[str, Any]:
    spec = TABLES.get(row.table_name)
    label = spec.label if spec is not None else row.table_name
    return {"id": row.id, "title": row.title, "table": row.table_name, "label": label,
            "filters": dict(row.filters), "threshold": row.threshold,
            "published_at": as_utc(row.published_at), "published_by": publisher,
            "withdrawn_at": as_utc(row.withdrawn_at), "withdrawn_by": withdrawer}


def _out(row: PublishedAggregate, publisher: str | None, withdrawer: str | None) -> PublishedOut:
    return PublishedOut(
        **_summary_fields(row, publisher, withdrawer), dimensions=list(row.dimensions),
        categories=[list(names) for names in row.categories], protection=row.protection,
        suppressed=row.suppressed,
        cells=[CellOut(key=list(key), count=count) for key, count in row.cells])


def list_published(session: Session, *, actor: Actor, limit: int = 50,
                   offset: int = 0) -> tuple[list[PublishedSummary], int]:
    """Tables published and not withdrawn, newest first, and how many there are."""
    require(actor, "aggregate.published.read")
    if not 1 <= limit <= MAX_LIMIT or offset < 0:
        raise InvalidInput(f"limit: from 1 to {MAX_LIMIT}; offset: not negative.")
    current = PublishedAggregate.withdrawn_at.is_(None)
    total = session.scalar(select(func.count()).select_from(PublishedAggregate)
                           .where(current)) or 0
    rows = list(session.scalars(
        select(PublishedAggregate).where(current)
        .order_by(PublishedAggregate.published_at.desc(), PublishedAggregate.id)
        .limit(limit).offset(offset)))
    names = _names(session, {row.published_by for row in rows})
    return [PublishedSummary(**_summary_fields(row, names.get(row.published_by), None))
            for row in rows], int(total)


def _row(session: Session, actor: Actor, published_id: str) -> PublishedAggregate:
    row = session.get(PublishedAggregate, published_id) if len(published_id) <= 36 else None
    if row is None or (row.withdrawn_at is not None and not actor.can("aggregate.publish")):
        raise PublishedNotFound(published_id)
    return row


def show_published(session: Session, *, actor: Actor, published_id: str) -> PublishedOut:
    """One published table. A withdrawn one is not found, except by a role that publishes."""
    require(actor, "aggregate.published.read")
    row = _row(session, actor, published_id)
    names = _names(session, {row.published_by, row.withdrawn_by or row.published_by})
    shown = _out(row, names.get(row.published_by),
                 names.get(row.withdrawn_by) if row.withdrawn_by else None)
    shown.can_withdraw = row.withdrawn_at is None and may_withdraw(actor, row)
    return shown


def may_withdraw(actor: Actor, row: PublishedAggregate) -> bool:
    """Whether ``actor`` may withdraw the table: its publisher, or an administrator."""
    return actor.can("aggregate.publish") and (
        row.published_by == actor.user_id or actor.role in WITHDRAWS_ANY)


def withdraw(session: Session, *, actor: Actor, published_id: str) -> PublishedOut:
    """Withdraw a published table (its publisher or an administrator). Withdrawing it again
    changes nothing."""
    require(actor, "aggregate.publish")
    row = _row(session, actor, published_id)
    if not may_withdraw(actor, row):
        raise AccessDenied(actor.user_id, "aggregate.publish",
                           on=f"published table {published_id} (not theirs)")
    if row.withdrawn_at is None:
        row.withdrawn_at, row.withdrawn_by = utcnow(), actor.user_id
        session.flush()
        audit.record(session, "aggregate.withdraw", "published_aggregate", row.id,
                     detail={"table": row.table_name})
    return show_published(session, actor=actor, published_id=published_id)
