"""Sealed fields keep their promises against someone who can write to the database directly.

Ciphertexts moved between rows or columns, or edited by one byte, fail on read and the error names
the place (table, column, row id), never the value. A session without the key can neither read
nor write a sensitive field. Nothing but an envelope can be written into a sealed column. Exact
search goes through the blind index and ignores case, spacing and punctuation but nothing else.
Every read of a sensitive field, and every write, leaves an audit entry with field names only.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import StatementError

from surplace.records import service as records_service
from surplace.records.models import Person, PersonName, Place
from surplace.records.schemas import NameIn, PersonIn
from surplace.store.base import Base
from surplace.store.engine import Store
from surplace.vault.audit import AuditEntry
from surplace.vault.crypto import ENVELOPE_OVERHEAD
from surplace.vault.exceptions import PlaintextRefused, TamperedCiphertext, VaultLocked
from surplace.vault.fields import SENSITIVE_FIELDS
from surplace.vault.service import Unlocked

# Synthetic persons: no real individual is meant.
PANG = PersonIn(
    names=[
        NameIn(full_name="방영춘", family_name="방", given_name="영춘", script="hangul"),
        NameIn(full_name="方英春", family_name="方", given_name="英春", script="hanja"),
        NameIn(full_name="Pang Yong-chun", family_name="Pang", given_name="Yong-chun",
               script="latin", romanisation="mr"),
        NameIn(full_name="Kkotbi Sonyo", kind="alias", script="latin"),
    ],
    sex="F", birth_date=date(1983, 4, 19), origin_province="KP-09",
    origin_place="Synthetic-gun Haedoji-ri", current_location="Hostel 14, Synthetic Lane",
    contact="+00 555 0100 771", document_number="SYN 448 120 937",
    notes="Synthetic note: crossed in the third week of the thaw.",
)
NEIGHBOUR = PersonIn(
    names=[NameIn(full_name="Pang Yong-chan", family_name="Pang", given_name="Yong-chan")],
    origin_place="Synthetic-gun Other-ri", contact="+00 555 0100 772",
    document_number="SYN 448 120 938", notes="A second synthetic person.",
)


def register(unlocked: Unlocked, data: PersonIn) -> str:
    with unlocked.session() as session:
        return records_service.register_person(session, actor=unlocked.actor, data=data).id


def raw_value(store: Store, table: str, column: str, row_id: str) -> bytes:
    with store.engine.connect() as connection:
        value = connection.execute(
            text(f"SELECT {column} FROM {table} WHERE id = :id"), {"id": row_id}
        ).scalar_one()
    return bytes(value)


def raw_set(store: Store, table: str, column: str, row_id: str, value: bytes) -> None:
    """Write bytes into a column with plain SQL, past every check the program makes."""
    with store.engine.begin() as connection:
        connection.execute(text(f"UPDATE {table} SET {column} = :v WHERE id = :id"),
                           {"v": value, "id": row_id})


def read_person_field(unlocked: Unlocked, person_id: str, attribute: str) -> Any:
    with unlocked.session() as session:
        person = session.get(Person, person_id)
        assert person is not None
        return getattr(person, attribute)


def audit_rows(unlocked: Unlocked) -> list[AuditEntry]:
    with unlocked.store.session() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def assert_names_place_not_value(error: BaseException, place: str, *secrets: str) -> None:
    message = str(error)
    assert place in message
    for secret in secrets:
        assert secret not in message


# --- moved and edited ciphertexts ------------------------------------------------------------


def test_ciphertexts_swapped_between_rows_are_detected(unlocked: Unlocked) -> None:
    first, second = register(unlocked, PANG), register(unlocked, NEIGHBOUR)
    person = Base.metadata.tables["person"]
    a = raw_value(unlocked.store, "person", "contact", first)
    b = raw_value(unlocked.store, "person", "contact", second)
    with unlocked.store.engine.begin() as connection:  # Core UPDATE of the sealed column
        connection.execute(update(person).where(person.c.id == first).values(contact=b))
        connection.execute(update(person).where(person.c.id == second).values(contact=a))

    for row_id in (first, second):
        with pytest.raises(TamperedCiphertext) as caught:
            read_person_field(unlocked, row_id, "contact")
        assert_names_place_not_value(caught.value, f"person.contact#{row_id}",
                                     "+00 555", a.hex(), b.hex())
    # The other fields of both rows are untouched and still open.
    assert read_person_field(unlocked, first, "notes") == PANG.notes
    assert read_person_field(unlocked, second, "notes") == NEIGHBOUR.notes


def test_name_ciphertexts_swapped_between_rows_are_detected(unlocked: Unlocked) -> None:
    register(unlocked, PANG)
    with unlocked.store.engine.connect() as connection:
        names = Base.metadata.tables["person_name"]
        rows = connection.execute(
            select(names.c.id, names.c.full_name).order_by(names.c.id)).all()
    (id_a, sealed_a), (id_b, sealed_b) = rows[0], rows[1]
    table = Base.metadata.tables["person_name"]
    with unlocked.store.engine.begin() as connection:
        connection.execute(update(table).where(table.c.id == id_a).values(full_name=sealed_b))
        connection.execute(update(table).where(table.c.id == id_b).values(full_name=sealed_a))
    for row_id in (id_a, id_b):
        with pytest.raises(TamperedCiphertext) as caught, unlocked.session() as session:
            name = session.get(PersonName, row_id)
            assert name is not None
            _ = name.full_name
        assert_names_place_not_value(caught.value, f"person_name.full_name#{row_id}",
                                     "방영춘", "方英春", "Pang")


def test_ciphertexts_swapped_between_columns_of_a_row_are_detected(unlocked: Unlocked) -> None:
    person_id = register(unlocked, PANG)
    person = Base.metadata.tables["person"]
    contact = raw_value(unlocked.store, "person", "contact", person_id)
    notes = raw_value(unlocked.store, "person", "notes", person_id)
    with unlocked.store.engine.begin() as connection:
        connection.execute(update(person).where(person.c.id == person_id)
                           .values(contact=notes, notes=contact))
    for column in ("contact", "notes"):
        with pytest.raises(TamperedCiphertext) as caught:
            read_person_field(unlocked, person_id, column)
        assert_names_place_not_value(caught.value, f"person.{column}#{person_id}",
                                     "+00 555", "Synthetic note")
    assert read_person_field(unlocked, person_id, "current_location") == PANG.current_location


def test_ciphertext_copied_into_another_row_same_column_is_detected(unlocked: Unlocked) -> None:
    # Copying (not swapping) is what someone replacing a victim's location with a decoy does.
    first, second = register(unlocked, PANG), register(unlocked, NEIGHBOUR)
    raw_set(unlocked.store, "person", "current_location", second,
            raw_value(unlocked.store, "person", "current_location", first))
    with pytest.raises(TamperedCiphertext):
        read_person_field(unlocked, second, "current_location")
    assert read_person_field(unlocked, first, "current_location") == PANG.current_location


def test_every_byte_of_the_sealed_body_is_authenticated(unlocked: Unlocked) -> None:
    """Nonce, ciphertext and tag: a change to any byte fails with TamperedCiphertext."""
    person_id = register(unlocked, PANG)
    original = raw_value(unlocked.store, "person", "contact", person_id)
    assert len(original) == len(PANG.contact.encode()) + ENVELOPE_OVERHEAD  # type: ignore[union-attr]
    for position in range(5, len(original)):
        edited = bytearray(original)
        edited[position] ^= 0x01
        raw_set(unlocked.store, "person", "contact", person_id, bytes(edited))
        with pytest.raises(TamperedCiphertext) as caught:
            read_person_field(unlocked, person_id, "contact")
        assert_names_place_not_value(caught.value, f"person.contact#{person_id}", "+00 555")
    raw_set(unlocked.store, "person", "contact", person_id, original)
    assert read_person_field(unlocked, person_id, "contact") == PANG.contact


def test_an_edited_key_version_is_refused(unlocked: Unlocked) -> None:
    """The key-version bytes are authenticated too; a changed version never opens."""
    person_id = register(unlocked, PANG)
    original = raw_value(unlocked.store, "person", "contact", person_id)
    for position in range(1, 5):
        edited = bytearray(original)
        edited[position] ^= 0x01
        raw_set(unlocked.store, "person", "contact", person_id, bytes(edited))
        # A version the keyring does not hold reads as locked (the value may be from a key
        # generation this user cannot reach); either way nothing is returned.
        with pytest.raises((TamperedCiphertext, VaultLocked)):
            read_person_field(unlocked, person_id, "contact")


def test_an_edited_format_byte_is_reported_as_tampering(unlocked: Unlocked) -> None:
    person_id = register(unlocked, PANG)
    original = raw_value(unlocked.store, "person", "contact", person_id)
    raw_set(unlocked.store, "person", "contact", person_id, b"\x02" + original[1:])
    with pytest.raises(TamperedCiphertext):
        read_person_field(unlocked, person_id, "contact")


# --- locked sessions -------------------------------------------------------------------------


def test_a_locked_session_cannot_read_a_sensitive_field(unlocked: Unlocked) -> None:
    person_id = register(unlocked, PANG)
    before = len(audit_rows(unlocked))
    sensitive = [f.attribute for f in SENSITIVE_FIELDS if f.owner is Person]
    assert "contact" in sensitive
    with unlocked.store.session() as session:  # no keyring
        person = session.get(Person, person_id)
        assert person is not None
        assert person.pseudonym.startswith("P-")  # the clear columns read as usual
        for attribute in sensitive:
            if getattr(person, f"{attribute}_sealed") is None:
                continue
            with pytest.raises(VaultLocked) as caught:
                getattr(person, attribute)
            message = str(caught.value)
            assert "locked" in message and "passphrase" in message
            assert f"person.{attribute}" in message
        names = session.scalars(select(PersonName).where(PersonName.person_id == person_id))
        for name in names:
            with pytest.raises(VaultLocked):
                _ = name.full_name
        with pytest.raises(VaultLocked):
            PersonName.full_name.index_matches(session, "Pang Yong-chun")
    assert len(audit_rows(unlocked)) == before


def test_a_locked_session_cannot_write_a_sensitive_field(unlocked: Unlocked) -> None:
    person_id = register(unlocked, PANG)
    sealed_before = raw_value(unlocked.store, "person", "contact", person_id)
    before = len(audit_rows(unlocked))
    with pytest.raises(VaultLocked) as caught, unlocked.store.session() as session:
        person = session.get(Person, person_id)
        assert person is not None
        person.contact = "+00 555 0199 000"
    assert "locked" in str(caught.value)
    assert "+00 555" not in str(caught.value)

    with pytest.raises(VaultLocked), unlocked.store.session() as session:
        session.add(Person(pseudonym="P-LOCKD-00000", notes="written while locked"))

    # Nor a row with no sensitive field: every write is audited, and the chain needs the key.
    with pytest.raises(VaultLocked), unlocked.store.session() as session:
        session.add(Place(code="SYN-LOCKED", level="county", name_en="Synthetic"))

    assert raw_value(unlocked.store, "person", "contact", person_id) == sealed_before
    assert read_person_field(unlocked, person_id, "contact") == PANG.contact
    with unlocked.store.session() as session:
        assert session.scalar(select(Person).where(Person.pseudonym == "P-LOCKD-00000")) is None
        assert session.scalar(select(Place).where(Place.code == "SYN-LOCKED")) is None
    assert len(audit_rows(unlocked)) == before + 1  # only the read just above


# --- nothing but an envelope reaches a sealed column -----------------------------------------


def _refused(action: Callable[[], None]) -> PlaintextRefused:
    with pytest.raises((PlaintextRefused, StatementError)) as caught:
        action()
    error: BaseException = caught.value
    if isinstance(error, StatementError):  # SQLAlchemy wraps errors of bind processors
        error = error.orig  # type: ignore[assignment]
    assert isinstance(error, PlaintextRefused)
    return error


def test_plaintext_written_through_core_is_refused(unlocked: Unlocked) -> None:
    person_id = register(unlocked, PANG)
    sealed_before = raw_value(unlocked.store, "person", "contact", person_id)
    person = Base.metadata.tables["person"]

    def core_update(value: object) -> Callable[[], None]:
        def action() -> None:
            with unlocked.store.engine.begin() as connection:
                connection.execute(update(person).where(person.c.id == person_id)
                                   .values(contact=value))
        return action

    for value in (b"+00 555 0199 000", "+00 555 0199 000", b"\x01short", b"", 42,
                  bytearray(b"\x02" + bytes(40))):
        error = _refused(core_update(value))
        assert "+00 555" not in str(error)

    def core_insert() -> None:
        with unlocked.store.engine.begin() as connection:
            connection.execute(person.insert().values(
                id="00000000-0000-4000-8000-000000000001", pseudonym="P-PLAIN-00000",
                notes=b"plaintext notes"))

    _refused(core_insert)

    def orm_assignment() -> None:
        with unlocked.session() as session:
            loaded = session.get(Person, person_id)
            assert loaded is not None
            setattr(loaded, "contact_sealed", b"plaintext through the mapped column")  # noqa: B010

    _refused(orm_assignment)
    assert raw_value(unlocked.store, "person", "contact", person_id) == sealed_before
    with unlocked.store.engine.connect() as connection:
        assert connection.execute(select(person.c.id).where(
            person.c.pseudonym == "P-PLAIN-00000")).first() is None


# --- blind-index search ----------------------------------------------------------------------


def _found(unlocked: Unlocked, name: str) -> set[str]:
    with unlocked.session() as session:
        return {p.id for p in records_service.find_by_name(session, actor=unlocked.actor,
                                                           name=name)}


def test_blind_index_finds_exact_names_whatever_the_case_spacing_punctuation(
        unlocked: Unlocked) -> None:
    pang, neighbour = register(unlocked, PANG), register(unlocked, NEIGHBOUR)
    for query in ["Pang Yong-chun", "pang yong chun", "PANG YONG-CHUN", "  Pang,  Yong.Chun ",
                  "pang_yong/chun", "Ｐａｎｇ　Ｙｏｎｇ－ｃｈｕｎ", "방영춘", " 방영춘. ", "方英春",
                  "Kkotbi Sonyo", "kkotbi-sonyo", "Yong-chun", "yong chun", "영춘", "英春"]:
        assert _found(unlocked, query) == {pang}, query
    assert _found(unlocked, "pang") == {pang, neighbour}  # family name index
    assert _found(unlocked, "방") == {pang}


def test_blind_index_does_not_find_near_misses(unlocked: Unlocked) -> None:
    register(unlocked, PANG)
    register(unlocked, NEIGHBOUR)
    for query in ["Pang Yong-chu", "Pang Yong-chunn", "Pan Yong-chun", "Bang Yong-chun",
                  "Yong-chun Pang", "Pang Yong chun x", "Kkotbi", "방영준", "방영", "이영춘",
                  "方英", "方英春春", "Pang Yong-chün", ""]:
        assert _found(unlocked, query) == set(), query


def test_blind_index_finds_document_numbers(unlocked: Unlocked) -> None:
    pang = register(unlocked, PANG)
    with unlocked.session() as session:
        def find(number: str) -> set[str]:
            return {p.id for p in records_service.find_by_document(
                session, actor=unlocked.actor, number=number)}
        assert find("SYN 448 120 937") == {pang}
        assert find("syn-448-120-937") == {pang}
        assert find("SYN 448 120 938") != {pang}
        assert find("SYN 448 120 93") == set()


def test_search_decrypts_nothing_and_reads_nothing(unlocked: Unlocked) -> None:
    register(unlocked, PANG)
    before = [e.seq for e in audit_rows(unlocked) if e.action == "read"]
    assert _found(unlocked, "Pang Yong-chun")
    after = [e.seq for e in audit_rows(unlocked) if e.action == "read"]
    assert after == before


# --- audit of reads and writes ---------------------------------------------------------------


def _assert_no_values(entries: list[AuditEntry], values: list[str]) -> None:
    for entry in entries:
        blob = json.dumps([entry.at, entry.actor_id, entry.action, entry.object_type,
                           entry.object_id, entry.field, entry.detail], ensure_ascii=False)
        for value in values:
            assert value not in blob, (value, entry.seq)


def _person_values(data: PersonIn) -> list[str]:
    values = [n.full_name for n in data.names]
    values += [v for n in data.names for v in (n.family_name, n.given_name) if v and len(v) > 1]
    values += [v for v in (data.origin_place, data.current_location, data.contact,
                           data.document_number, data.notes) if v]
    if data.birth_date:
        values.append(data.birth_date.isoformat())
    return values


def test_reads_of_sensitive_fields_are_audited_without_values(unlocked: Unlocked) -> None:
    person_id = register(unlocked, PANG)
    last = audit_rows(unlocked)[-1].seq
    with unlocked.session() as session:
        shown = records_service.show_person(session, actor=unlocked.actor, reference=person_id)
    assert shown.contact == PANG.contact
    new = [e for e in audit_rows(unlocked) if e.seq > last]
    reads = {(e.object_type, e.object_id, e.field) for e in new if e.action == "read"}
    expected = {("person", person_id, f) for f in (
        "birth_date", "origin_place", "current_location", "contact", "document_number", "notes")}
    for name in shown.names:
        expected |= {("person_name", name.id, f)
                     for f in ("full_name", "family_name", "given_name")
                     if getattr(name, f) is not None}
    assert reads == expected
    assert all(e.detail is None and e.actor_id == unlocked.actor.user_id
               for e in new if e.action == "read")
    _assert_no_values(new, _person_values(PANG))


def test_a_read_is_audited_even_when_the_transaction_fails(unlocked: Unlocked) -> None:
    person_id = register(unlocked, PANG)
    last = audit_rows(unlocked)[-1].seq

    class Boom(Exception):
        pass

    with pytest.raises(Boom), unlocked.session() as session:
        person = session.get(Person, person_id)
        assert person is not None
        assert person.current_location == PANG.current_location
        person.sex = "M"  # rolled back
        raise Boom
    new = [e for e in audit_rows(unlocked) if e.seq > last]
    assert [(e.action, e.object_id, e.field) for e in new] == [
        ("read", person_id, "current_location")]
    with unlocked.store.session() as session:
        assert session.get(Person, person_id).sex == "F"  # type: ignore[union-attr]


def test_writes_are_audited_with_field_names_only(unlocked: Unlocked) -> None:
    person_id = register(unlocked, PANG)
    entries = audit_rows(unlocked)
    create = [e for e in entries if e.action == "create" and e.object_type == "person"]
    assert [e.object_id for e in create] == [person_id]
    fields = json.loads(create[0].detail or "{}")["fields"]
    assert {"birth_date", "origin_place", "current_location", "contact", "document_number",
            "notes"} <= set(fields)
    assert not any(f.endswith(("_sealed", "_bidx")) for f in fields)
    assert set(fields) <= {c.key for c in Person.__mapper__.column_attrs} | {
        f.attribute for f in SENSITIVE_FIELDS if f.owner is Person}
    name_creates = [e for e in entries if e.action == "create"
                    and e.object_type == "person_name"]
    assert len(name_creates) == len(PANG.names)
    for entry in name_creates:
        assert set(json.loads(entry.detail or "{}")["fields"]) >= {"full_name", "person_id"}

    last = entries[-1].seq
    with unlocked.session() as session:
        person = session.get(Person, person_id)
        assert person is not None
        person.contact = "+00 555 0100 999"
    with unlocked.session() as session:
        person = session.get(Person, person_id)
        assert person is not None
        person.sex = "X"
        person.notes = None
    with unlocked.session() as session:
        alias = session.scalars(select(PersonName).where(
            PersonName.person_id == person_id, PersonName.kind == "alias")).one()
        alias_id = alias.id
        session.delete(alias)
    new = [e for e in audit_rows(unlocked) if e.seq > last]
    writes = [(e.action, e.object_type, e.object_id, e.detail) for e in new
              if e.action != "read"]
    assert writes == [
        ("update", "person", person_id, json.dumps({"fields": ["contact"]})),
        ("update", "person", person_id, json.dumps({"fields": ["notes", "sex"]})),
        ("delete", "person_name", alias_id, None),
    ]
    _assert_no_values(audit_rows(unlocked), _person_values(PANG) + ["+00 555 0100 999"])
