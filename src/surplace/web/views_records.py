"""Reads of persons and records the pages and the API need beyond ``records.service``: pages of
persons and of a source's records with totals, one record, one person without identity.

``records.service`` shows one person to identity roles and finds persons by name; it has no
list of persons, no list of records and no pseudonymised view of one person. The reads here
follow its rules (identities only for ``identity.read``; a record's payload, its observation as
received, is identifying and is opened only for those roles, each opening audited by the vault)
and check the policy like a service; they belong in the records domain and stay here,
read-only, until they move.

Who may list: persons as pseudonyms with the clear statistical columns, anyone who reads
incidents (victims are persons); records, anyone who reads sources.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from surplace.access.policy import Actor, require
from surplace.errors import InvalidInput
from surplace.records import service as records_service
from surplace.records.exceptions import RecordsError
from surplace.records.models import Person, Record, Source
from surplace.records.schemas import PersonSummary
from surplace.records.sources import SourceNotFound
from surplace.records.vocabularies import check
from surplace.store import tallies
from surplace.store.base import as_utc


class RecordNotFound(RecordsError):
    def __init__(self, record_id: str) -> None:
        super().__init__(f"No record {record_id!r}.")


class RecordOut(BaseModel):
    """One record: its clear columns, and its payload (the observation as received) only for
    roles that may read identities."""

    id: str
    source: str
    source_row: str | None
    received_at: datetime
    supersedes_id: str | None
    sex: str | None
    birth_year: int | None
    origin_province: str | None
    event_year: int | None
    payload: dict[str, Any] | None = None


def count_persons(session: Session, *, actor: Actor) -> int:
    if not actor.can("identity.read"):
        require(actor, "aggregate.read")
    return tallies.count(session, tallies.PERSONS)  # kept by the store: no scan of persons


def person_summary(session: Session, *, actor: Actor, reference: str) -> PersonSummary:
    """One person as a pseudonym and the clear columns: what a researcher sees of a victim."""
    require(actor, "incident.read")
    return records_service.summary(records_service.get_person(session, reference))


def person_page(session: Session, *, actor: Actor, sex: str | None = None,
                birth_year: int | None = None, province: str | None = None,
                offset: int = 0, limit: int = 50) -> tuple[list[PersonSummary], int]:
    """Persons by pseudonym, with the total; filters on the clear columns."""
    require(actor, "incident.read")
    conditions: list[ColumnElement[bool]] = []
    if sex is not None:
        conditions.append(Person.sex == check("sex", sex.strip().upper(), field="sex"))
    if birth_year is not None:
        conditions.append(Person.birth_year == birth_year)
    if province is not None:
        conditions.append(Person.origin_province == check("province", province.strip().upper(),
                                                          field="province"))
    total = session.scalar(select(func.count()).select_from(Person).where(*conditions)) or 0
    rows = session.scalars(select(Person).where(*conditions).order_by(Person.pseudonym)
                           .offset(offset).limit(limit))
    return [records_service.summary(row) for row in rows], int(total)


def _record_out(record: Record, code: str, actor: Actor) -> RecordOut:
    received = as_utc(record.received_at)
    assert received is not None
    return RecordOut(id=record.id, source=code, source_row=record.source_row,
                     received_at=received, supersedes_id=record.supersedes_id, sex=record.sex,
                     birth_year=record.birth_year, origin_province=record.origin_province,
                     event_year=record.event_year,
                     payload=record.payload if actor.can("identity.read") else None)


def source_id(session: Session, code: str) -> str:
    found = session.scalars(select(Source.id).where(Source.code == code.strip().upper())).first()
    if found is None:
        raise SourceNotFound(code)
    return str(found)


def record_page(session: Session, *, actor: Actor, source: str | None = None,
                event_year: int | None = None, sex: str | None = None,
                province: str | None = None, offset: int = 0,
                limit: int = 50) -> tuple[list[RecordOut], int]:
    """Records (newest first), optionally of one source (by code), with the total. Payloads
    are opened for identity roles only."""
    require(actor, "source.read")
    conditions: list[ColumnElement[bool]] = []
    if source is not None:
        conditions.append(Record.source_id == source_id(session, source))
    if event_year is not None:
        conditions.append(Record.event_year == event_year)
    if sex is not None:
        conditions.append(Record.sex == check("sex", sex.strip().upper(), field="sex"))
    if province is not None:
        conditions.append(Record.origin_province == check(
            "province", province.strip().upper(), field="province"))
    total = session.scalar(select(func.count()).select_from(Record).where(*conditions)) or 0
    rows = session.execute(
        select(Record, Source.code).join(Source, Source.id == Record.source_id)
        .where(*conditions).order_by(Record.received_at.desc(), Record.id)
        .offset(offset).limit(limit)).all()
    return [_record_out(record, code, actor) for record, code in rows], int(total)


def get_record(session: Session, *, actor: Actor, record_id: str) -> RecordOut:
    require(actor, "source.read")
    found = session.execute(select(Record, Source.code).join(Source, Source.id == Record.source_id)
                            .where(Record.id == record_id.strip())).first()
    if found is None:
        raise RecordNotFound(record_id)
    return _record_out(found[0], found[1], actor)


def year(value: str | None, name: str = "year") -> int | None:
    """A year from a form or query field, refused naming the field."""
    if value is None or not value.strip():
        return None
    try:
        number = int(value.strip())
    except ValueError:
        raise InvalidInput(f"{name}: give a year such as 2012.") from None
    if not 1900 <= number <= 2100:
        raise InvalidInput(f"{name}: give a year between 1900 and 2100.")
    return number
