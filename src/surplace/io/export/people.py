"""Rows of persons and of records, a batch at a time.

The records service offers one person at a time (``show_person``) and look-ups by name; an
export walks every row, so the batched reads are here, on the records models: keyset pages
of :data:`BATCH` rows by id (the same on SQLite and PostgreSQL, and no cursor held open while
the next page's names are read). Which record is which person comes from the linkage domain's
:func:`~surplace.linkage.store.open_links`; the reverse (a person's records, for the year a
list first saw them) has no reader there and is the small query :func:`first_seen_years`.

Identity columns are present when the scope has identities at all and blank on a row whose
person the exporter may not identify; each sealed value opened is an audited read, and the
reads are written to the audit chain after every page so that a large export does not hold
them all in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from surplace.errors import InvalidInput
from surplace.io.export.redaction import Scope
from surplace.io.export.schemas import Filters
from surplace.linkage.models import RecordPerson
from surplace.records.models import Person, PersonName, Record, Source
from surplace.store.base import IdMixin
from surplace.vault import audit

BATCH = 500
Scanned = Callable[[int], None]

PERSON_COLUMNS = ["person", "sex", "birth_year", "origin_province", "first_seen_year"]
PERSON_IDENTITY = ["name", "other_names", "birth_date", "origin_place", "contact"]
RECORD_COLUMNS = ["record_id", "source", "person", "sex", "birth_year", "origin_province",
                  "event_year"]
#: Payload keys written as columns of their own (the importers' and linkage's roles).
PAYLOAD_COLUMNS = ["name", "family_name", "given_name", "birth", "origin"]
RECORD_IDENTITY = ["source_row", *PAYLOAD_COLUMNS, "payload"]

M = TypeVar("M", bound=IdMixin)


def no_progress(count: int) -> None:
    return None


def pages(session: Session, model: type[M], where: Sequence[ColumnElement[bool]] = (),
          *, size: int = BATCH, on_scanned: Scanned = no_progress) -> Iterator[list[M]]:
    """Every row of ``model`` passing ``where``, in pages ordered by id. The sensitive reads
    made on a page are appended to the audit chain before the next page is read."""
    last: str | None = None
    while True:
        query = select(model).where(*where).order_by(model.id).limit(size)
        if last is not None:
            query = query.where(model.id > last)
        rows = list(session.scalars(query))
        if not rows:
            return
        yield rows
        on_scanned(len(rows))
        audit.flush_reads(session)
        last = rows[-1].id


def count(session: Session, model: type[Any], where: Sequence[ColumnElement[bool]] = ()) -> int:
    return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def refuse_act_type(filters: Filters, kind: str) -> None:
    if filters.act_type is not None:
        raise InvalidInput(f"--act-type: applies to incidents, acts and aggregates, not {kind}.")


def first_seen_years(session: Session, person_ids: Sequence[str]) -> dict[str, int]:
    """The earliest event year among each person's linked records (persons whose records
    carry no year are absent)."""
    query = (select(RecordPerson.person_id, func.min(Record.event_year))
             .join(Record, Record.id == RecordPerson.record_id)
             .where(RecordPerson.person_id.in_(list(person_ids)),
                    RecordPerson.unlinked_at.is_(None), Record.event_year.is_not(None))
             .group_by(RecordPerson.person_id))
    return {str(pid): int(year) for pid, year in session.execute(query) if year is not None}


def names_of(session: Session, person_ids: Sequence[str]) -> dict[str, list[str]]:
    """Every written form of the persons' names, legal names first (sealed: reads audited)."""
    found: dict[str, list[tuple[int, str]]] = {}
    if not person_ids:
        return {}
    query = (select(PersonName).where(PersonName.person_id.in_(list(person_ids)))
             .order_by(PersonName.person_id, PersonName.id))
    for row in session.scalars(query):
        if row.full_name:
            found.setdefault(row.person_id, []).append(
                (0 if row.kind == "legal" else 1, row.full_name))
    return {pid: [name for _, name in sorted(items, key=lambda item: item[0])]
            for pid, items in found.items()}


def person_where(filters: Filters) -> list[ColumnElement[bool]]:
    refuse_act_type(filters, "persons")
    return [] if filters.province is None else [Person.origin_province == filters.province]


def person_columns(scope: Scope) -> list[str]:
    return PERSON_COLUMNS + (PERSON_IDENTITY if scope.identities else [])


def person_rows(session: Session, scope: Scope, filters: Filters, *,
                on_scanned: Scanned = no_progress) -> Iterator[dict[str, Any]]:
    for page in pages(session, Person, person_where(filters), on_scanned=on_scanned):
        years = first_seen_years(session, [person.id for person in page])
        shown = [person.id for person in page if scope.reveals(person.id)]
        names = names_of(session, shown) if shown else {}
        for person in page:
            year = years.get(person.id)
            if filters.year is not None and year != filters.year:
                continue
            row: dict[str, Any] = {
                "person": person.pseudonym, "sex": person.sex, "birth_year": person.birth_year,
                "origin_province": person.origin_province, "first_seen_year": year,
            }
            if scope.identities and scope.reveals(person.id):
                written = names.get(person.id, [])
                row.update(name=written[0] if written else None, other_names=written[1:],
                           birth_date=person.birth_date, origin_place=person.origin_place,
                           contact=person.contact)
            yield row


def record_where(filters: Filters) -> list[ColumnElement[bool]]:
    refuse_act_type(filters, "records")
    where: list[ColumnElement[bool]] = []
    if filters.year is not None:
        where.append(Record.event_year == filters.year)
    if filters.province is not None:
        where.append(Record.origin_province == filters.province)
    return where


def record_columns(scope: Scope) -> list[str]:
    return RECORD_COLUMNS + (RECORD_IDENTITY if scope.identities else [])


def pseudonyms_of(session: Session, person_ids: set[str]) -> dict[str, str]:
    if not person_ids:
        return {}
    query = select(Person.id, Person.pseudonym).where(Person.id.in_(sorted(person_ids)))
    return {str(pid): str(code) for pid, code in session.execute(query)}


def record_rows(session: Session, scope: Scope, filters: Filters, *,
                on_scanned: Scanned = no_progress) -> Iterator[dict[str, Any]]:
    from surplace.linkage.store import open_links

    codes = {str(sid): str(code) for sid, code in session.execute(select(Source.id,
                                                                         Source.code))}
    for page in pages(session, Record, record_where(filters), on_scanned=on_scanned):
        links = open_links(session, [record.id for record in page])
        persons = {record_id: link.person_id for record_id, link in links.items()}
        codes_of = pseudonyms_of(session, set(persons.values()))
        for record in page:
            person_id = persons.get(record.id)
            row: dict[str, Any] = {
                "record_id": record.id, "source": codes.get(record.source_id),
                "person": codes_of.get(person_id) if person_id else None, "sex": record.sex,
                "birth_year": record.birth_year, "origin_province": record.origin_province,
                "event_year": record.event_year,
            }
            if scope.identities and scope.reveals(person_id):
                payload = record.payload
                fields = payload if isinstance(payload, dict) else {}
                row.update({key: fields.get(key) for key in PAYLOAD_COLUMNS})
                row.update(source_row=record.source_row, payload=payload)
            yield row
