"""A monitoring office: an unlocked store (SQLite and PostgreSQL) with the gazetteer, synthetic
victims, two sources and staff of every role; acts are documented through the incidents
service, as a researcher would. Every name here is invented.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy.orm import Session

from surplace.access.models import User
from surplace.access.policy import Actor
from surplace.incidents import claims
from surplace.records import gazetteer
from surplace.records import service as records_service
from surplace.records.models import Source
from surplace.records.schemas import NameIn, PersonIn
from surplace.vault.service import Unlocked

VICTIMS = 6


@dataclass
class Office:
    unlocked: Unlocked
    victims: list[str] = field(default_factory=list)  # pseudonyms
    staff: dict[str, Actor] = field(default_factory=dict)  # role → actor

    @property
    def admin(self) -> Actor:
        return self.unlocked.actor

    def document(self, session: Session, victim: int, act_type: str, day: str,
                 precision: str = "day", place: str = "CN-JL", **fields: Any) -> str:
        """One act documented by a source's claim; returns the act's id."""
        data = {"source": "SYN-MON", "victim": self.victims[victim], "act_type": act_type,
                "connection": "witness", "credibility": 2, "place": place,
                "date_precision": precision, **fields}
        if day:
            data["date"] = day
        else:
            data["date_precision"] = "unknown"
        out = claims.add_claim(session, actor=self.admin, data=data)
        assert out.act_id is not None
        return out.act_id


@pytest.fixture
def office(unlocked: Unlocked) -> Office:
    found = Office(unlocked)
    with unlocked.session() as session:
        gazetteer.seed_places(session)
        for index in range(VICTIMS):
            person = records_service.register_person(session, actor=unlocked.actor, data=PersonIn(
                names=[NameIn(full_name=f"Synthetic Victim {index}")], sex="F",
                birth_year=1980 + index, origin_province="KP-09"))
            found.victims.append(person.pseudonym)
        for code, kind, grade in (("SYN-MON", "organisation", "B"), ("SYN-LIST", "list", "C")):
            session.add(Source(code=code, kind=kind, reliability=grade,
                               name=f"Synthetic source {code}"))
        for role in ("researcher", "analyst", "viewer", "caseworker"):
            user = User(name=f"{role}-1", role=role)
            session.add(user)
            session.flush()
            found.staff[role] = Actor(user.id, user.name, role)
    return found
