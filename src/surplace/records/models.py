"""Sources, records, persons, names and places.

A ``Record`` is one observation as a source gave it and is never edited: a correction is a new
record that names the one it supersedes. A ``Person`` is what linkage concludes: a real
individual with a pseudonym for daily use and the statistics-safe facts (sex, birth year,
province) in the clear; everything that would identify them is a ``Sensitive`` field.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON as PlainJSON
from sqlalchemy import (
    Connection,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from surplace.records.exceptions import RecordImmutable
from surplace.store.base import Base, IdMixin, utcnow
from surplace.vault.fields import DATE, JSON, TEXT, Sensitive


class Place(IdMixin, Base):
    """A gazetteer entry: public geography, so its names are in the clear."""

    __tablename__ = "place"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    level: Mapped[str] = mapped_column(String(16))
    iso_3166_2: Mapped[str | None] = mapped_column(String(8), nullable=True, index=True)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("place.id"), nullable=True)
    name_en: Mapped[str] = mapped_column(String(128))
    name_ko: Mapped[str | None] = mapped_column(String(128), nullable=True)
    name_zh: Mapped[str | None] = mapped_column(String(128), nullable=True)
    #: Other spellings in any script (romanisations, old names, Chinese readings).
    aliases: Mapped[list[str]] = mapped_column(PlainJSON, default=list)
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)


class Source(IdMixin, Base):
    """An organisation, list or informant. An informant's name is as sensitive as a victim's."""

    __tablename__ = "source"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    reliability: Mapped[str | None] = mapped_column(String(1), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    name = Sensitive(TEXT, blind_index=True, doc="Full name of the organisation or informant.")
    contact = Sensitive(TEXT, doc="How to reach the source.")
    description = Sensitive(TEXT, doc="What the source is and how it collects.")


class Record(IdMixin, Base):
    """One raw observation from a source, kept as received."""

    __tablename__ = "record"
    __table_args__ = (UniqueConstraint("source_id", "content_digest"),
                      # A corrections file finds the record it supersedes by its row identity.
                      Index("ix_record_source_id_source_row", "source_id", "source_row"))

    # No index of its own: both composite indexes above start with source_id and serve every
    # query on it alone (migration 0006 dropped the redundant one, which slowed each insert).
    source_id: Mapped[str] = mapped_column(ForeignKey("source.id"))
    source_row: Mapped[str | None] = mapped_column(String(128), nullable=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    content_digest: Mapped[bytes] = mapped_column(LargeBinary(32))
    supersedes_id: Mapped[str | None] = mapped_column(ForeignKey("record.id"), nullable=True)
    import_batch_id: Mapped[str | None] = mapped_column(ForeignKey("import_batch.id"),
                                                        nullable=True, index=True)
    sex: Mapped[str | None] = mapped_column(String(1), nullable=True)
    birth_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    origin_province: Mapped[str | None] = mapped_column(String(8), nullable=True)
    event_year: Mapped[int | None] = mapped_column(Integer, nullable=True)

    payload = Sensitive(JSON, doc="The observation exactly as the source gave it.")


class Person(IdMixin, Base):
    __tablename__ = "person"

    pseudonym: Mapped[str] = mapped_column(String(16), unique=True)
    sex: Mapped[str | None] = mapped_column(String(1), nullable=True)
    birth_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    origin_province: Mapped[str | None] = mapped_column(String(8), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    birth_date: Sensitive[date] = Sensitive(DATE, doc="Full birth date.")
    origin_place = Sensitive(TEXT, doc="Home county, town or village (below the province).")
    current_location = Sensitive(TEXT, doc="Where the person is now.")
    contact = Sensitive(TEXT, doc="Telephone, messenger or other contact details.")
    family: Sensitive[Any] = Sensitive(JSON, doc="Family members and their whereabouts.")
    document_number = Sensitive(TEXT, blind_index=True, doc="Any identity document number.")
    notes = Sensitive(TEXT, doc="Free-text notes.")


class PersonName(IdMixin, Base):
    """One way a person's name was written: legal name, alias, or as a source recorded it."""

    __tablename__ = "person_name"

    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    script: Mapped[str] = mapped_column(String(16))
    romanisation: Mapped[str | None] = mapped_column(String(16), nullable=True)
    record_id: Mapped[str | None] = mapped_column(ForeignKey("record.id"), nullable=True)

    full_name = Sensitive(TEXT, blind_index=True, doc="The name as written.")
    family_name = Sensitive(TEXT, blind_index=True, doc="Family name alone, where known.")
    given_name = Sensitive(TEXT, blind_index=True, doc="Given name alone, where known.")


@event.listens_for(Record, "before_update")
def _records_are_immutable(mapper: Mapper[Record], connection: Connection, target: Record) -> None:
    raise RecordImmutable(target.id)


@event.listens_for(Record, "before_delete")
def _records_are_kept(mapper: Mapper[Record], connection: Connection, target: Record) -> None:
    raise RecordImmutable(target.id)
