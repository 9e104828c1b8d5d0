"""An office to run cases in: an unlocked store (SQLite and PostgreSQL), staff of every role and
registered persons with invented names.

Staff accounts are made as rows without key slots: the services act for an
:class:`~surplace.access.policy.Actor`, and the unlock itself is the vault's, tested there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from sqlalchemy.orm import Session

from surplace.access.models import User
from surplace.access.policy import Actor
from surplace.cases import service
from surplace.cases.schemas import CaseIn, MemberIn
from surplace.records import service as records_service
from surplace.records.schemas import NameIn, PersonIn
from surplace.store.base import Base
from surplace.store.engine import Store
from surplace.vault.service import Unlocked
from tests.conftest import BACKENDS, backend_settings, unlocked_store

# Invented people; any likeness to a real person is chance.
PEOPLE = {
    "principal": PersonIn(names=[NameIn(full_name="Ryom Synthetic-hwa"),
                                 NameIn(full_name="렴합성화", script="hangul")],
                          sex="F", birth_year=1988, origin_province="KP-09",
                          contact="QQ 5550173 synthetic", document_number="SYN-DOC-7781"),
    "child": PersonIn(names=[NameIn(full_name="Ryom Synthetic-bom")], sex="F",
                      birth_year=2015),
    "husband": PersonIn(names=[NameIn(full_name="Kye Synthetic-chol")], sex="M",
                        birth_year=1984),
    "other": PersonIn(names=[NameIn(full_name="Tak Synthetic-song")], sex="M",
                      birth_year=1979),
    "third": PersonIn(names=[NameIn(full_name="Ok Synthetic-nyo")], sex="F", birth_year=1999),
}
SECRET_NAMES = [name.full_name for person in PEOPLE.values() for name in person.names]


@dataclass
class Office:
    unlocked: Unlocked
    admin: Actor
    worker: Actor
    colleague: Actor
    supervisor: Actor
    researcher: Actor
    analyst: Actor
    persons: dict[str, str] = field(default_factory=dict)

    @contextmanager
    def session(self, actor: Actor | None = None) -> Iterator[Session]:
        who = actor or self.worker
        with self.unlocked.store.session(keyring=self.unlocked.keyring,
                                         actor_id=who.user_id) as session:
            yield session

    def new_person(self) -> str:
        """A freshly registered person (invented name); returns the pseudonym."""
        serial = len(self.persons)
        with self.session(self.admin) as session:
            code = records_service.register_person(session, actor=self.admin, data=PersonIn(
                names=[NameIn(full_name=f"Synthetic Person {serial}")], sex="F",
                birth_year=1990)).pseudonym
        self.persons[f"person-{serial}"] = code
        return code

    def open(self, actor: Actor | None = None, principal: str | None = None,
             **fields: object) -> str:
        """Open a case for a registered person (a label of ``PEOPLE``, or a fresh person when
        not given); returns the case number."""
        code = self.persons[principal] if principal else self.new_person()
        data = CaseIn.model_validate({"principal": code, **fields})
        with self.session(actor) as session:
            return service.open_case(session, actor=actor or self.worker,
                                     data=data).case_number

    def open_family(self, actor: Actor | None = None) -> str:
        return self.open(actor, principal="principal", members=[
            MemberIn(person=self.persons["child"], relationship="daughter (synthetic)"),
            MemberIn(person=self.persons["husband"], relationship="husband (synthetic)")],
            languages=["ko"], specific_needs=["survivor_of_torture", "pregnancy"],
            current_location="Synthetic safehouse Helong-3", summary="Synthetic claim summary.")


def _staff(unlocked: Unlocked, name: str, role: str) -> Actor:
    with unlocked.session() as session:
        user = User(name=name, role=role)
        session.add(user)
        session.flush()
        return Actor(user.id, name, role)


def make_office(unlocked: Unlocked) -> Office:
    made = Office(
        unlocked=unlocked, admin=unlocked.actor,
        worker=_staff(unlocked, "worker-a", "caseworker"),
        colleague=_staff(unlocked, "worker-b", "caseworker"),
        supervisor=_staff(unlocked, "supervisor", "caseworker"),
        researcher=_staff(unlocked, "researcher", "researcher"),
        analyst=_staff(unlocked, "analyst", "analyst"))
    with unlocked.session() as session:
        for label, data in PEOPLE.items():
            made.persons[label] = records_service.register_person(
                session, actor=unlocked.actor, data=data).pseudonym
    return made


@pytest.fixture
def office(unlocked: Unlocked) -> Office:
    return make_office(unlocked)


@pytest.fixture(scope="module", params=BACKENDS)
def shared_office(request: pytest.FixtureRequest,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    """One office per module and back end, for the many small tests that each make a case and
    leave the others alone (the store's init costs a second; a parametrised table of refusals
    would cost minutes)."""
    folder = tmp_path_factory.mktemp("office")
    with backend_settings(request.param, folder) as settings, \
            unlocked_store(settings) as unlocked:
        yield make_office(unlocked)


def table_digests(store: Store) -> dict[str, str]:
    """A digest of every table's rows: what a failed operation must leave as it was."""
    digests = {}
    with store.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            rows = connection.execute(table.select()).all()
            digests[table.name] = hashlib.sha256(
                repr(sorted(repr(tuple(row)) for row in rows)).encode()).hexdigest()
    return digests
