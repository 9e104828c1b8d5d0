"""Registering, showing and finding persons: identities sealed, look-ups exact, access checked."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from surplace.access.policy import AccessDenied, Actor
from surplace.errors import InvalidInput
from surplace.records import service
from surplace.records.exceptions import PersonNotFound, RecordImmutable
from surplace.records.models import Record, Source
from surplace.records.schemas import PersonIn
from surplace.vault.service import Unlocked


def _person(**extra: object) -> PersonIn:
    data = {
        "names": [
            {"full_name": "방영춘", "family_name": "방", "given_name": "영춘", "script": "hangul"},
            {"full_name": "Pang Yong-chun", "script": "latin", "romanisation": "mr",
             "kind": "as_recorded"},
        ],
        "sex": "f",
        "birth_date": "1979-02-11",
        "origin_province": "kp-10",
        "origin_place": "Synthetic county of Pungso",
    }
    data.update(extra)
    return PersonIn.model_validate(data)


def test_register_show_and_find(unlocked: Unlocked) -> None:
    with unlocked.session() as session:
        person = service.register_person(session, actor=unlocked.actor, data=_person())
        pseudonym = person.pseudonym
    with unlocked.session() as session:
        shown = service.show_person(session, actor=unlocked.actor, reference=pseudonym)
    assert shown.birth_date == date(1979, 2, 11)
    assert shown.birth_year == 1979
    assert shown.sex == "F" and shown.origin_province == "KP-10"
    assert shown.origin_place == "Synthetic county of Pungso"
    assert {n.full_name for n in shown.names} == {"방영춘", "Pang Yong-chun"}
    with unlocked.session() as session:
        for query in ("방영춘", "pang yong chun", "PANG  Yong-Chun", " 방 "):
            found = service.find_by_name(session, actor=unlocked.actor, name=query)
            assert [p.pseudonym for p in found] == [pseudonym], query
        assert service.find_by_name(session, actor=unlocked.actor, name="Pang Yong-chul") == []
        assert service.find_by_name(session, actor=unlocked.actor, name="방영") == []


def test_document_number_lookup(unlocked: Unlocked) -> None:
    with unlocked.session() as session:
        person = service.register_person(
            session, actor=unlocked.actor, data=_person(document_number="SYN-0042-77"))
        found = service.find_by_document(session, actor=unlocked.actor, number="syn 0042 77")
    assert [p.id for p in found] == [person.id]


def test_unknown_person_is_a_clear_error(unlocked: Unlocked) -> None:
    with unlocked.session() as session, pytest.raises(PersonNotFound, match="P-NOONE"):
        service.show_person(session, actor=unlocked.actor, reference="P-NOONE")


@pytest.mark.parametrize("role", ["analyst", "viewer", "researcher"])
def test_roles_without_identity_access_are_refused(unlocked: Unlocked, role: str) -> None:
    outsider = Actor(user_id="u-outsider", name="outsider", role=role)
    with unlocked.session() as session:
        with pytest.raises(AccessDenied):
            service.register_person(session, actor=outsider, data=_person())
        with pytest.raises(AccessDenied):
            service.find_by_name(session, actor=outsider, name="방영춘")


def test_bad_input_names_the_field() -> None:
    with pytest.raises(InvalidInput, match="province: 'KP-11'.*did you mean"):
        _person(origin_province="KP-11")
    with pytest.raises(ValidationError, match="birth_date"):
        _person(birth_date="2999-01-01")
    with pytest.raises(ValidationError, match="contradicts"):
        _person(birth_year=1980)
    with pytest.raises(InvalidInput, match="script"):
        _person(names=[{"full_name": "x", "script": "cyrillic"}])
    with pytest.raises(ValidationError, match="names"):
        _person(names=[])


def test_records_cannot_be_edited_or_deleted(unlocked: Unlocked) -> None:
    with unlocked.session() as session:
        source = Source(code="SYN-LIST", kind="list", name="Synthetic shelter list")
        session.add(source)
        session.flush()
        record = Record(source_id=source.id, content_digest=b"\x01" * 32, sex="F",
                        payload={"name": "synthetic"})
        session.add(record)
        record_id = record.id
    with pytest.raises(RecordImmutable, match=record_id), unlocked.session() as session:
        stored = session.get(Record, record_id)
        assert stored is not None
        stored.sex = "M"
        session.flush()
    with pytest.raises(RecordImmutable), unlocked.session() as session:
        stored = session.get(Record, record_id)
        session.delete(stored)
        session.flush()
    with unlocked.session() as session:
        stored = session.get(Record, record_id)
        assert stored is not None and stored.sex == "F"
        assert stored.payload == {"name": "synthetic"}


def test_gazetteer_seeds_countries_and_provinces_once(unlocked: Unlocked) -> None:
    from sqlalchemy import select

    from surplace.records.gazetteer import seed_places
    from surplace.records.models import Place

    with unlocked.session() as session:
        added = seed_places(session)
        assert seed_places(session) == 0
        jilin = session.scalars(select(Place).where(Place.code == "CN-JL")).one()
        china = session.get(Place, jilin.parent_id)
    assert added > 20
    assert (jilin.name_zh, jilin.iso_3166_2, china.code if china else None) == (
        "吉林省", "CN-JL", "CN")
