"""No identifying value reaches the disk in any form a search would find.

A seized laptop or a copied database is searched with grep and strings, in every encoding an
investigator might try: the raw SQLite file with its write-ahead log and shared memory (as they
are after the write, without a checkpoint), and a ``pg_dump`` of the PostgreSQL schema. None of
them may hold a name, a date of birth, a place, a contact or a note, while the passphrase still
reads every value back exactly. The second half walks ``SENSITIVE_FIELDS`` itself, so a field
declared tomorrow is covered without this file changing, and pins down the kinds of data the
issue requires to be sealed so that turning one into a plain column fails here.
"""

from __future__ import annotations

import base64
import json
import subprocess
import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from sqlalchemy import Date, DateTime, LargeBinary, String, Text, select
from sqlalchemy.orm import Session

import surplace.schema  # noqa: F401 - every model, so SENSITIVE_FIELDS is complete
from surplace.config import Settings
from surplace.records import service as records_service
from surplace.records.models import Person, PersonName
from surplace.records.schemas import NameIn, PersonIn
from surplace.store.base import Base
from surplace.store.engine import Store
from surplace.vault import service as vault_service
from surplace.vault.crypto import normalise_for_index
from surplace.vault.fields import JSON, SENSITIVE_FIELDS, SealedBytes, Sensitive
from surplace.vault.service import Unlocked
from tests.conftest import PASSPHRASE

PG_DUMP = "/usr/bin/pg_dump"

# A synthetic person: the name is invented (two-syllable family name 남궁 so that even the family
# name alone is long enough to search for in two-byte encodings).
HANGUL = NameIn(full_name="남궁별찬", family_name="남궁", given_name="별찬", script="hangul")
HANJA = NameIn(full_name="南宮別燦", family_name="南宮", given_name="別燦", script="hanja")
LATIN = NameIn(full_name="Namgung Pyol-chan", family_name="Namgung", given_name="Pyol-chan",
               script="latin", romanisation="mr")
ALIAS = NameIn(full_name="Sobaeksu Ajumma", kind="alias", script="latin")
ALIAS_HANGUL = NameIn(full_name="소백수아주머니", kind="alias", script="hangul")
BIRTH_DATE = date(1974, 11, 23)
FAMILY = {
    "mother": {"name": "윤달래꽃", "whereabouts": "Synthetic detention centre Kowon-17"},
    "son": {"name": "Namgung Chol-ung", "born": "2003-06-30"},
}
PERSON = PersonIn(
    names=[HANGUL, HANJA, LATIN, ALIAS, ALIAS_HANGUL], sex="M", birth_date=BIRTH_DATE,
    origin_province="KP-08", origin_place="Synthetic Hamju-gun Tongbong-ri 9",
    current_location="Safehouse Qingshuihe-7 room 3", contact="WeChat syn_pyolchan_7741",
    document_number="SYN-KP-559371842", notes="Synthetic testimony: walked across Hwaryong pass.",
)


def _values(data: PersonIn) -> list[str]:
    values: list[str] = []
    for name in data.names:
        values += [v for v in (name.full_name, name.family_name, name.given_name) if v]
    values += [v for v in (data.origin_place, data.current_location, data.contact,
                           data.document_number, data.notes) if v]
    values += [FAMILY["mother"]["name"], FAMILY["mother"]["whereabouts"],
               FAMILY["son"]["name"], FAMILY["son"]["born"]]
    return values


def _date_forms(value: date) -> list[str]:
    return [value.isoformat(), value.strftime("%Y%m%d"), value.strftime("%d.%m.%Y"),
            value.strftime("%Y/%m/%d"), value.strftime("%d/%m/%Y"), value.strftime("%m/%d/%Y"),
            f"{value.year}년 {value.month}월 {value.day}일", f"{value.year}年{value.month}月"
            f"{value.day}日"]


def needles(value: str) -> dict[str, bytes]:
    """The byte strings a search for ``value`` would look for, by encoding."""
    found: dict[str, bytes] = {}
    text_forms = {value, normalise_for_index(value)}
    for form in text_forms:
        utf8 = form.encode("utf-8")
        candidates: dict[str, bytes] = {
            "utf-8": utf8,
            "utf-16-le": form.encode("utf-16-le"),
            "utf-16-be": form.encode("utf-16-be"),
            "utf-32-le": form.encode("utf-32-le"),
            "hex of utf-8": utf8.hex().encode(),
            "HEX of utf-8": utf8.hex().upper().encode(),
            "hex of utf-16-le": form.encode("utf-16-le").hex().encode(),
            "hex of utf-16-be": form.encode("utf-16-be").hex().encode(),
            "json escape": form.encode("ascii", "backslashreplace").replace(b"\\x", b"\\u00"),
        }
        for encoding in ("euc-kr", "cp949", "gb18030", "big5", "shift_jis", "iso-2022-kr"):
            try:
                encoded = form.encode(encoding)
            except UnicodeEncodeError:
                continue
            candidates[encoding] = encoded
            candidates[f"hex of {encoding}"] = encoded.hex().encode()
        # Base64 of the value at each of the three alignments it can have inside a longer text.
        for shift in range(3):
            chunk = utf8[shift:]
            chunk = chunk[: len(chunk) - len(chunk) % 3]
            if chunk:
                candidates[f"base64 of utf-8 (+{shift})"] = base64.b64encode(chunk)
                candidates[f"base64url of utf-8 (+{shift})"] = base64.urlsafe_b64encode(chunk)
        for label, needle in candidates.items():
            # Four bytes or fewer turn up by chance in megabytes of ciphertext; the values are
            # stored whole, so their longer encodings (and the UTF-8 of every part) cover them.
            if len(needle) >= 5:
                found[f"{label} of {form!r}"] = needle
    return found


def assert_absent(haystacks: dict[str, bytes], values: Iterable[str]) -> None:
    lowered = {name: data.lower() for name, data in haystacks.items()}
    leaks = []
    for value in values:
        for label, needle in needles(value).items():
            for name, data in haystacks.items():
                if needle in data or (needle.isascii() and needle.lower() in lowered[name]):
                    leaks.append(f"{label} in {name}")
    assert not leaks, "plaintext on disk:\n" + "\n".join(leaks)


def _pg_schema(settings: Settings) -> str:
    options = parse_qs(urlsplit(settings.store).query)["options"][0]
    return unquote(options).removeprefix("-csearch_path=")


def disk_images(store: Store, settings: Settings) -> dict[str, bytes]:
    """What someone who takes the machine or the database gets, as raw bytes."""
    if store.sqlite_path is not None:
        images = {}
        for suffix in ("", "-wal", "-shm"):
            path = store.sqlite_path.with_name(store.sqlite_path.name + suffix)
            if path.exists():
                images[path.name] = path.read_bytes()
        # The write is in the log, not yet checkpointed: the test sees the file as it is.
        assert "store.sqlite3-wal" in images and len(images["store.sqlite3-wal"]) > 0
        return images
    schema = _pg_schema(settings)
    url = settings.store.split("?", 1)[0]
    dump = subprocess.run([PG_DUMP, "--no-owner", f"--schema={schema}", url],
                          capture_output=True, check=True, timeout=120)
    assert b"CREATE TABLE" in dump.stdout and b"COPY" in dump.stdout
    binary = subprocess.run([PG_DUMP, "--no-owner", "--format=custom", "--compress=0",
                             f"--schema={schema}", url],
                            capture_output=True, check=True, timeout=120)
    inserts = subprocess.run([PG_DUMP, "--no-owner", "--inserts", "--data-only",
                              f"--schema={schema}", url],
                             capture_output=True, check=True, timeout=120)
    return {"pg_dump": dump.stdout, "pg_dump --format=custom": binary.stdout,
            "pg_dump --inserts": inserts.stdout}


def _register(unlocked: Unlocked) -> str:
    with unlocked.session() as session:
        person = records_service.register_person(session, actor=unlocked.actor, data=PERSON)
        # PersonIn has no family field yet; the sealed column is set on the model.
        person.family = FAMILY
        return person.id


def test_a_registered_person_leaves_no_plaintext_on_disk(
        unlocked: Unlocked, store: Store, settings: Settings) -> None:
    person_id = _register(unlocked)
    # A second session that reads everything (so reads are audited and written too).
    with unlocked.session() as session:
        records_service.show_person(session, actor=unlocked.actor, reference=person_id)

    images = disk_images(store, settings)
    assert_absent(images, _values(PERSON) + _date_forms(BIRTH_DATE))
    # The statistics-safe facts are in the clear, as designed.
    assert any(b"KP-08" in image for image in images.values())

    # With the passphrase, everything reads back exactly, in a fresh unlock.
    again = vault_service.unlock(store, user_name="admin", passphrase=PASSPHRASE)
    with again.session() as session:
        shown = records_service.show_person(session, actor=again.actor, reference=person_id)
        person = session.get(Person, person_id)
        assert person is not None
        family = person.family
    assert shown.birth_date == BIRTH_DATE
    assert (shown.origin_place, shown.current_location, shown.contact, shown.document_number,
            shown.notes) == (PERSON.origin_place, PERSON.current_location, PERSON.contact,
                             PERSON.document_number, PERSON.notes)
    assert family == FAMILY
    written = {(n.full_name, n.family_name, n.given_name, n.kind, n.script) for n in PERSON.names}
    read = {(n.full_name, n.family_name, n.given_name, n.kind, n.script) for n in shown.names}
    assert read == written
    with again.session() as session:
        for name in (HANGUL, HANJA, LATIN, ALIAS, ALIAS_HANGUL):
            found = records_service.find_by_name(session, actor=again.actor, name=name.full_name)
            assert [p.id for p in found] == [person_id]


# --- a protection case worked through the real services -------------------------------------

# Distinctive synthetic values for every sensitive field of a case and of the work on it.
CASE_TEXT = {
    "summary": "Synthetic claim: fled after the Musan ward meeting of 2019-03-07.",
    "current_location": "Synthetic attic above the Longjing noodle shop 44",
    "relationship": "Synthetic stepson from the Hyesan marriage",
    "reason": "Synthetic reasons: church contact in Yanji makes return perilous.",
    "override_reason": "Synthetic override: already across the Mekong.",
    "record": "Synthetic interview record: crossed the Tumen at Namyang in winter.",
    "interpreter": "Synthetic interpreter Chae Ok-ran of the Seoul pool",
    "attendee": "Synthetic counsel Ha Jin-seok",
    "applicant_comments": "Synthetic comment: the date of the crossing is wrong.",
    "fact_value": "Synthetic fact: baptised at the Helong house church",
    "alert_note": "Synthetic alert: held at the Tumen border post cell 3",
    "resolution": "Synthetic resolution: released to the Yanbian shelter",
    "description": "Synthetic intervention: called the Shenyang consulate desk",
    "outcome_note": "Synthetic outcome: consular visit at the Dandong jail",
    "assistance_note": "Synthetic hand-over at the Tonghua bus station locker",
    "referral_reason": "Synthetic referral reason: surgery at the Harbin clinic",
    "consent_note": "Synthetic consent: given orally in the Onsong dialect",
}
CASE_CODES = ["survivor_of_sgbv", "unaccompanied_child", "mental_health",
              "credibility_notes"]
CASE_LANGUAGES = ["mn", "ru"]


def _work_a_case(unlocked: Unlocked, person_id: str) -> str:
    """Open a case for the registered person and do every kind of work on it."""
    from surplace.cases import service as case_service
    from surplace.cases.schemas import CaseIn, InterviewIn
    from surplace.cases.work_schemas import (
        AlertIn,
        AssistanceIn,
        ConsentIn,
        InterventionIn,
        InterventionUpdate,
        ReferralIn,
    )

    text, actor = CASE_TEXT, unlocked.actor
    with unlocked.session() as session:
        son = records_service.register_person(session, actor=actor, data=PersonIn(
            names=[NameIn(full_name="Namgung Chol-ung")], sex="M", birth_year=2003))
        number = case_service.open_case(session, actor=actor, data=CaseIn(
            principal=person_id, languages=CASE_LANGUAGES,
            specific_needs=CASE_CODES[:3], current_location=text["current_location"],
            summary=text["summary"], members=[{"person": son.id,
                                               "relationship": text["relationship"]}],
        )).case_number
        case_service.transition(session, actor=actor, case=number, name="register")
        case_service.transition(session, actor=actor, case=number, name="decide_processing",
                                inputs={"modality": "regular",
                                        "override_reason": text["override_reason"]})
        case_service.record_interview(session, actor=actor, case=number, data=InterviewIn(
            held_on=date.today(), interpreter=text["interpreter"], record=text["record"],
            attendees=[text["attendee"]], applicant_comments=text["applicant_comments"],
            facts={CASE_CODES[3]: text["fact_value"]}))
        case_service.transition(session, actor=actor, case=number, name="close",
                                inputs={"reason": text["reason"]})
        alert = case_service.raise_alert(session, actor=actor, case=number,
                                         data=AlertIn(kind="detained", note=text["alert_note"]))
        case_service.resolve_alert(session, actor=actor, alert=alert.id,
                                   resolution=text["resolution"])
        started = case_service.start_intervention(session, actor=actor, case=number,
                                                  data=InterventionIn(
            kind="embassy_contact", description=text["description"]))
        case_service.update_intervention(session, actor=actor, intervention=started.id,
                                         data=InterventionUpdate(
            status="succeeded", outcome_note=text["outcome_note"]))
        case_service.record_assistance(session, actor=actor, case=number, data=AssistanceIn(
            kind="cash", quantity=500, note=text["assistance_note"]))
        for scope in ("identity", "case_file", "medical"):
            case_service.record_consent(session, actor=actor, case=number, data=ConsentIn(
                scope=scope, recipient="Synthetic Clinic", note=text["consent_note"]))
        referral = case_service.refer_case(session, actor=actor, case=number, data=ReferralIn(
            to_organisation="Synthetic Clinic", reason=text["referral_reason"]))
        assert referral.shares_identity and referral.package is not None
        assert text["summary"] in json.dumps(referral.package, ensure_ascii=False)
    return number


def test_a_worked_case_leaves_no_plaintext_on_disk(
        unlocked: Unlocked, store: Store, settings: Settings) -> None:
    from surplace.cases import service as case_service

    person_id = _register(unlocked)
    number = _work_a_case(unlocked, person_id)
    with unlocked.session() as session:  # read it all back, so the reads are audited too
        shown = case_service.show_case(session, actor=unlocked.actor, case=number)
        case_service.timeline(session, actor=unlocked.actor, case=number)
    assert shown.current_location == CASE_TEXT["current_location"]
    assert shown.interviews[0].facts == {CASE_CODES[3]: CASE_TEXT["fact_value"]}

    images = disk_images(store, settings)
    assert_absent(images, [*CASE_TEXT.values(), *CASE_CODES, json.dumps(CASE_LANGUAGES),
                           *_values(PERSON)[:10]])
    # What is meant to be clear is: the case number, its status and risk, for sorting.
    assert any(number.encode() in image for image in images.values())


# --- every declared sensitive field ----------------------------------------------------------


def _mapped_class(table_name: str) -> type[Any]:
    for mapper in Base.registry.mappers:
        if getattr(mapper.class_, "__tablename__", None) == table_name:
            return mapper.class_
    raise LookupError(table_name)


def _filler(column: Any, serial: int) -> Any:
    python_type = column.type.python_type
    if python_type is str:
        length = getattr(column.type, "length", None) or 32
        return f"s{serial}"[:length]
    if python_type is int:
        return serial
    if python_type is float:
        return float(serial)
    if python_type is bool:
        return False
    if python_type is bytes:
        return bytes(32)
    if isinstance(column.type, DateTime):
        return datetime(2001, 1, 1, tzinfo=UTC)
    if isinstance(column.type, Date):
        return date(2001, 1, 1)
    raise TypeError(f"no filler for {column} of type {column.type}")


def build_row(session: Session, cls: type[Any], made: dict[type[Any], Any],
              sensitive: dict[type[Any], dict[str, Any]]) -> Any:
    """One row of ``cls`` with every required column filled, its parents created first, and its
    sensitive fields set before its one flush (a Record is never updated)."""
    if cls in made:
        return made[cls]
    values: dict[str, Any] = {}
    for column in cls.__table__.columns:
        if column.primary_key and column.name == "id":
            continue
        if column.nullable or column.default is not None or column.server_default is not None:
            continue
        foreign = next(iter(column.foreign_keys), None)
        if foreign is not None:
            parent = build_row(session, _mapped_class(foreign.column.table.name), made,
                               sensitive)
            values[column.key] = getattr(parent, foreign.column.key)
        else:
            values[column.key] = _filler(column, len(made) * 100 + len(values))
    row = cls(**values, **sensitive.get(cls, {}))
    session.add(row)
    session.flush()  # parents before children: the models declare no relationships to sort by
    made[cls] = row
    return row


MARKED_DATE = date(1911, 2, 13)


def _marker_value(descriptor: Sensitive[Any], marker: str) -> Any:
    if descriptor.codec is JSON:
        return {"note": marker, "list": [marker]}
    if descriptor.codec.name == "date":
        return MARKED_DATE  # a marker cannot be a date; this one is far from any other
    return marker


def test_every_sensitive_field_is_sealed_on_disk(
        unlocked: Unlocked, store: Store, settings: Settings) -> None:
    assert SENSITIVE_FIELDS, "no sensitive fields declared"
    markers: dict[tuple[str, str], str] = {}
    sensitive: dict[type[Any], dict[str, Any]] = {}
    for field in SENSITIVE_FIELDS:
        descriptor = vars(field.owner)[field.attribute]
        marker = f"표식{uuid.uuid4().hex[:10]}Mk{field.attribute[:6]}"
        sensitive.setdefault(field.owner, {})[field.attribute] = _marker_value(descriptor,
                                                                               marker)
        if descriptor.codec.name != "date":
            markers[(field.table, field.attribute)] = marker
    made: dict[type[Any], Any] = {}
    with unlocked.session() as session:
        for owner in sensitive:
            build_row(session, owner, made, sensitive)
        ids = {owner: row.id for owner, row in made.items() if owner in sensitive}

    images = disk_images(store, settings)
    assert_absent(images, markers.values())
    assert_absent(images, _date_forms(MARKED_DATE))

    with unlocked.session() as session:
        for field in SENSITIVE_FIELDS:
            row = session.get(field.owner, ids[field.owner])
            assert getattr(row, field.attribute) == sensitive[field.owner][field.attribute]
            assert isinstance(getattr(row, field.sealed_attribute), bytes)


# --- what the issue requires to be sealed ----------------------------------------------------

# Each kind of data the issue names, with the fields that hold it. A kind with no field here would
# be stored in the clear somewhere, so the list only grows.
REQUIRED_SEALED: dict[str, set[tuple[str, str]]] = {
    "every name and alias": {("person_name", "full_name"), ("person_name", "family_name"),
                             ("person_name", "given_name"), ("source", "name")},
    "birth date": {("person", "birth_date")},
    "place of origin below province": {("person", "origin_place")},
    "current location": {("person", "current_location")},
    "contact details": {("person", "contact"), ("source", "contact")},
    "family members": {("person", "family"), ("case_member", "relationship")},
    "identity documents": {("person", "document_number")},
    "free-text narratives and testimonies": {
        ("person", "notes"), ("record", "payload"), ("protection_case", "summary"),
        ("interview", "record"), ("interview", "interpreter"),
        ("interview", "applicant_comments"), ("incident", "title"),
        ("incident", "description"), ("act", "method"), ("act", "consequences"),
        ("custody_entry", "note"), ("source", "description")},
    "evidence metadata": {("evidence", "file_name"), ("evidence", "capture"),
                          ("evidence", "description")},
    "protection case file and work": {
        ("protection_case", "languages"), ("protection_case", "specific_needs"),
        ("protection_case", "current_location"), ("case_transition", "reason"),
        ("case_transition", "details"), ("interview", "attendees"), ("interview", "facts"),
        ("case_alert", "note"), ("case_alert", "resolution"), ("intervention", "description"),
        ("intervention", "outcome_note"), ("assistance", "note"), ("referral", "reason"),
        ("referral", "package"), ("consent", "note")},
}


@pytest.mark.parametrize("kind", sorted(REQUIRED_SEALED))
def test_required_kinds_of_data_are_sensitive_fields(kind: str) -> None:
    declared = {(f.table, f.attribute) for f in SENSITIVE_FIELDS}
    missing = REQUIRED_SEALED[kind] - declared
    assert not missing, f"{kind}: not sealed: {sorted(missing)}"
    for table, attribute in REQUIRED_SEALED[kind]:
        column = Base.metadata.tables[table].columns[attribute]
        assert isinstance(column.type, SealedBytes), (table, attribute)


# The clear columns of the identity tables, reviewed: adding one (say, a plain ``name``) must be
# a decision, not an accident.
CLEAR_COLUMNS = {
    "person": {"id", "pseudonym", "sex", "birth_year", "origin_province", "created_at"},
    "person_name": {"id", "person_id", "kind", "script", "romanisation", "record_id"},
}


@pytest.mark.parametrize("table", sorted(CLEAR_COLUMNS))
def test_identity_tables_have_no_unreviewed_clear_columns(table: str) -> None:
    columns = Base.metadata.tables[table].columns
    sealed = {c.name for c in columns if isinstance(c.type, SealedBytes)}
    indexes = {c.name for c in columns if c.name.endswith("_bidx")}
    clear = {c.name for c in columns} - sealed - indexes
    assert clear == CLEAR_COLUMNS[table]
    for name in indexes:
        assert name.removesuffix("_bidx") in sealed


def test_evidence_file_contents_have_no_column() -> None:
    """File contents live encrypted in the blob folder; the row holds only the digest."""
    columns = Base.metadata.tables["evidence"].columns
    for column in columns:
        if isinstance(column.type, SealedBytes):
            continue
        if isinstance(column.type, LargeBinary):
            assert column.name == "sha256" and column.type.length == 32
        if isinstance(column.type, Text) or (isinstance(column.type, String)
                                             and (column.type.length or 10_000) > 128):
            pytest.fail(f"evidence.{column.name} could hold file contents in the clear")


def test_blind_indexes_are_not_reversible_by_dictionary(unlocked: Unlocked) -> None:
    """The index is keyed: hashing the normalised name without the key does not match it."""
    import hashlib

    _register(unlocked)
    with unlocked.store.session() as session:
        column = getattr(PersonName, "full_name_bidx")  # noqa: B009 - declared by Sensitive
        indexes = {bytes(v) for v in session.scalars(select(column)) if v}
    for name in PERSON.names:
        normalised = normalise_for_index(name.full_name).encode()
        for digest in (hashlib.sha256(normalised).digest(), hashlib.md5(normalised).digest(),
                       hashlib.sha1(normalised).digest()):
            assert not any(digest[:15] in index for index in indexes)
