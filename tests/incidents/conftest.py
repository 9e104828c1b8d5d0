"""A documentation office: an unlocked store (SQLite and PostgreSQL) with the gazetteer, three
synthetic victims, three sources, and staff of every role.

Staff are user rows without key slots: the services act for an
:class:`~surplace.access.policy.Actor`; unlocking is the vault's business, tested there. Every
name here is invented; any likeness to a real person is chance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from surplace.access.models import User
from surplace.access.policy import Actor
from surplace.records import gazetteer
from surplace.records import service as records_service
from surplace.records.models import Source
from surplace.records.schemas import NameIn, PersonIn
from surplace.vault.service import Unlocked

VICTIMS = {
    "kum": PersonIn(names=[NameIn(full_name="Synthetic Pang Kum-sun"),
                           NameIn(full_name="방합금순", script="hangul", kind="alias")],
                    sex="F", birth_year=1990, origin_province="KP-09"),
    "chol": PersonIn(names=[NameIn(full_name="Synthetic Ju Chol-nam")], sex="M",
                     birth_year=1983, origin_province="KP-10"),
    "officer": PersonIn(names=[NameIn(full_name="Synthetic Officer Mun")], sex="M"),
}
SECRET_NAMES = [name.full_name for person in VICTIMS.values() for name in person.names]
SOURCES = {"NGO-A": ("organisation", "B"), "NGO-B": ("list", "C"), "NGO-C": ("informant", "E")}


@dataclass
class Office:
    unlocked: Unlocked
    people: dict[str, str] = field(default_factory=dict)  # key → pseudonym
    staff: dict[str, Actor] = field(default_factory=dict)  # role → actor

    @property
    def admin(self) -> Actor:
        return self.unlocked.actor

    def claim(self, source: str, victim: str, **fields: Any) -> dict[str, Any]:
        """A forced-return claim by default; fields override."""
        return {"source": source, "victim": self.people[victim], "act_type": "forced_return",
                "connection": "witness", **fields}


@pytest.fixture
def office(unlocked: Unlocked) -> Office:
    found = Office(unlocked)
    with unlocked.session() as session:
        gazetteer.seed_places(session)
        for key, data in VICTIMS.items():
            person = records_service.register_person(session, actor=unlocked.actor, data=data)
            found.people[key] = person.pseudonym
        for code, (kind, reliability) in SOURCES.items():
            session.add(Source(code=code, kind=kind, reliability=reliability,
                               name=f"Synthetic source {code}"))
        for role in ("researcher", "analyst", "viewer", "caseworker"):
            user = User(name=f"{role}-1", role=role)
            session.add(user)
            session.flush()
            found.staff[role] = Actor(user.id, user.name, role)
    return found
