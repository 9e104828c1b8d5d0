"""A synthetic office to export from (no tests here): persons with generated names, records
linked to them, documented acts and cases, and staff of every role.

Names come from the demo's generator (random syllables: any likeness to a real person is
chance); birth dates, villages and contacts are generated too. ``secrets`` lists every
identifying value written, so a test can search an export for each of them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
from dataclasses import dataclass, field
from datetime import date

from surplace.access.models import User
from surplace.access.policy import Actor
from surplace.cases import service as case_service
from surplace.cases.schemas import CaseIn
from surplace.demo.names import synthetic_name
from surplace.incidents import claims
from surplace.linkage.models import RecordPerson
from surplace.records import gazetteer
from surplace.records import service as records_service
from surplace.records.models import Record, Source
from surplace.records.schemas import NameIn, PersonIn
from surplace.vault.service import Unlocked

PROVINCES = ("KP-09", "KP-10", "KP-13", "KP-08")
ACT_PLACES = ("CN-JL", "CN-LN", "KP-09")
ACT_TYPES = ("forced_return", "arrest", "arbitrary_detention")
#: Cells a spreadsheet would run as formulas.
HOSTILE = ["=HYPERLINK(\"http://example.invalid\",\"x\")", "+SUM(1,2)", "-2+3", "@SUM(A1)",
           "\tTAB-led", "\rCR-led"]


@dataclass
class Office:
    unlocked: Unlocked
    staff: dict[str, Actor] = field(default_factory=dict)
    pseudonyms: list[str] = field(default_factory=list)
    #: Every identifying value stored (names in each script, birth dates, villages, contacts).
    secrets: list[str] = field(default_factory=list)
    #: pseudonym → that person's identifying values.
    secrets_of: dict[str, list[str]] = field(default_factory=dict)
    #: case number → principal's pseudonym, for the cases opened by ``caseworker``.
    my_cases: dict[str, str] = field(default_factory=dict)
    other_cases: dict[str, str] = field(default_factory=dict)
    acts: int = 0

    @property
    def admin(self) -> Actor:
        return self.unlocked.actor

    def as_(self, role: str) -> Unlocked:
        """The same unlocked store acting as a staff member of ``role``."""
        return dataclasses.replace(self.unlocked, actor=self.staff[role])


def build(unlocked: Unlocked, *, persons: int = 14, seed: int = 5,
          hostile: bool = False) -> Office:
    rng = random.Random(seed)
    office = Office(unlocked)
    with unlocked.session() as session:
        gazetteer.seed_places(session)
        sources = []
        for code in ("SRC-A", "SRC-B"):
            source = Source(code=code, kind="organisation", reliability="B",
                            name=f"Synthetic organisation {code}")
            session.add(source)
            session.flush()
            sources.append(source)
        for role in ("caseworker", "caseworker2", "researcher", "analyst", "viewer"):
            user = User(name=f"{role}-1", role=role.rstrip("2"))
            session.add(user)
            session.flush()
            office.staff[role] = Actor(user.id, user.name, user.role)
        for number in range(persons):
            name = synthetic_name(rng)
            born = date(rng.randint(1960, 2004), rng.randint(1, 12), rng.randint(1, 28))
            village = f"Synthetic village {rng.randint(100, 999)}-{number}"
            contact = f"synthetic-messenger-{rng.randint(10_000, 99_999)}-{number}"
            full = HOSTILE[number % len(HOSTILE)] if hostile and number < len(HOSTILE) \
                else name.mccune_reischauer
            person = records_service.register_person(session, actor=unlocked.actor, data=PersonIn(
                names=[NameIn(full_name=full),
                       NameIn(full_name=name.hangul, script="hangul", kind="alias")],
                sex=rng.choice("FM"), birth_date=born,
                origin_province=rng.choice(PROVINCES), origin_place=village, contact=contact))
            values = [full, name.hangul, born.isoformat(), village, contact]
            office.pseudonyms.append(person.pseudonym)
            office.secrets.extend(values)
            office.secrets_of[person.pseudonym] = values
            for serial, source in enumerate(sources[: 1 + number % 2]):
                record = Record(
                    source_id=source.id, source_row=f"row-{number}-{serial}",
                    content_digest=hashlib.sha256(f"{number}-{serial}".encode()).digest(),
                    sex=person.sex, birth_year=born.year, origin_province=person.origin_province,
                    event_year=2015 + (number + serial) % 6,
                    payload={"name": full, "birth": born.isoformat(), "origin": village})
                session.add(record)
                session.flush()
                session.add(RecordPerson(record_id=record.id, person_id=person.id, how="manual"))
        session.add(Record(source_id=sources[0].id, source_row="row-unlinked",
                           content_digest=hashlib.sha256(b"unlinked").digest(), event_year=2019,
                           payload={"name": "Synthetic Unlinked", "origin": "Synthetic town"}))
        office.secrets.extend(["Synthetic Unlinked", "Synthetic town"])
        for number, pseudonym in enumerate(office.pseudonyms[: persons - 2]):
            claims.add_claim(session, actor=unlocked.actor, data={
                "source": "SRC-A", "victim": pseudonym, "act_type": ACT_TYPES[number % 3],
                "connection": "witness",
                "date": f"20{16 + number % 5}-0{1 + number % 9}-1{number % 9}",
                "place": ACT_PLACES[number % 3],
                "consequences": HOSTILE[0] if hostile else f"Synthetic consequence {number}",
                "content": f"Synthetic claim text {number}"})
            office.acts += 1
        office.secrets.extend(f"Synthetic consequence {n}" for n in range(persons - 2))
    caseworker = office.staff["caseworker"]
    with unlocked.store.session(keyring=unlocked.keyring, actor_id=caseworker.user_id) as session:
        for pseudonym in office.pseudonyms[:3]:
            summary = case_service.open_case(session, actor=caseworker, data=CaseIn(
                principal=pseudonym, summary="Synthetic summary of the claim."))
            office.my_cases[summary.case_number] = pseudonym
    other = office.staff["caseworker2"]
    with unlocked.store.session(keyring=unlocked.keyring, actor_id=other.user_id) as session:
        for pseudonym in office.pseudonyms[3:5]:
            summary = case_service.open_case(session, actor=other, data=CaseIn(
                principal=pseudonym))
            office.other_cases[summary.case_number] = pseudonym
    return office
