"""Registering and finding persons. Identities are read only by roles that may see them."""

from __future__ import annotations

import secrets

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from surplace.access.policy import Actor, require
from surplace.records.exceptions import PersonNotFound
from surplace.records.models import Person, PersonName
from surplace.records.schemas import NameOut, PersonIn, PersonOut, PersonSummary

_PSEUDONYM_ALPHABET = "23456789BCDFGHJKLMNPQRSTVWXZ"


def new_pseudonym() -> str:
    """A short code with no vowels (so it spells no word) and ~29 bits of randomness."""
    return "P-" + "".join(secrets.choice(_PSEUDONYM_ALPHABET) for _ in range(6))


def register_person(session: Session, *, actor: Actor, data: PersonIn) -> Person:
    require(actor, "identity.write")
    person = Person(
        pseudonym=new_pseudonym(), sex=data.sex, birth_year=data.birth_year,
        origin_province=data.origin_province, birth_date=data.birth_date,
        origin_place=data.origin_place, current_location=data.current_location,
        contact=data.contact, document_number=data.document_number, notes=data.notes,
    )
    session.add(person)
    for name in data.names:
        session.add(PersonName(
            person_id=person.id, kind=name.kind, script=name.script,
            romanisation=name.romanisation, full_name=name.full_name,
            family_name=name.family_name, given_name=name.given_name,
        ))
    session.flush()
    return person


def _get(session: Session, reference: str) -> Person:
    person = session.scalars(
        select(Person).where(or_(Person.id == reference, Person.pseudonym == reference.upper()))
    ).first()
    if person is None:
        raise PersonNotFound(reference)
    return person


def show_person(session: Session, *, actor: Actor, reference: str) -> PersonOut:
    """Everything known about one person; every sensitive field read is audited."""
    require(actor, "identity.read")
    person = _get(session, reference)
    names = session.scalars(select(PersonName).where(PersonName.person_id == person.id)).all()
    return PersonOut(
        id=person.id, pseudonym=person.pseudonym, sex=person.sex, birth_year=person.birth_year,
        origin_province=person.origin_province, birth_date=person.birth_date,
        origin_place=person.origin_place, current_location=person.current_location,
        contact=person.contact, document_number=person.document_number, notes=person.notes,
        names=[NameOut(id=n.id, full_name=n.full_name, family_name=n.family_name,
                       given_name=n.given_name, kind=n.kind, script=n.script,
                       romanisation=n.romanisation) for n in names],
    )


def find_by_name(session: Session, *, actor: Actor, name: str) -> list[PersonSummary]:
    """Exact look-up (after normalisation) through the blind indexes; decrypts nothing."""
    require(actor, "identity.read")
    matches = (
        PersonName.full_name.index_matches(session, name)
        | PersonName.family_name.index_matches(session, name)
        | PersonName.given_name.index_matches(session, name)
    )
    query = (select(Person).join(PersonName, PersonName.person_id == Person.id)
             .where(matches).distinct().order_by(Person.pseudonym))
    return [summary(p) for p in session.scalars(query)]


def find_by_document(session: Session, *, actor: Actor, number: str) -> list[PersonSummary]:
    require(actor, "identity.read")
    query = select(Person).where(Person.document_number.index_matches(session, number))
    return [summary(p) for p in session.scalars(query)]


def summary(person: Person) -> PersonSummary:
    return PersonSummary(id=person.id, pseudonym=person.pseudonym, sex=person.sex,
                         birth_year=person.birth_year, origin_province=person.origin_province)
