"""What incidents point at in the records domain: victims, sources and gazetteer places.

Only what is in the clear is read here (a person's id and pseudonym, a source's code, kind and
reliability, a place's codes and parent), so resolving a reference decrypts nothing and needs
no permission to read identities. Victims arrive already resolved to persons: the linkage
engine (or a caseworker) decides who a witness means, and a claim names the person by id or
pseudonym.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from surplace.errors import InvalidInput
from surplace.records.gazetteer import resolve_place
from surplace.records.models import Person, Place, Source
from surplace.records.service import find_person

#: What may be repeated in an error: an id, a pseudonym or a code. Anything else might be a
#: name typed into the wrong field, and an error message must never carry a name.
_SAFE_TO_ECHO = re.compile(r"^[A-Za-z0-9_.:-]{1,40}$")


def _echo(value: str) -> str:
    return repr(value) if _SAFE_TO_ECHO.match(value) else "(value not shown)"


def person(session: Session, reference: str, *, field_name: str = "victim") -> Person:
    """A person by id or pseudonym; refused naming the field if there is none."""
    wanted = reference.strip()
    if not wanted:
        raise InvalidInput(f"{field_name}: a person id or pseudonym is required.")
    found = find_person(session, wanted)
    if found is None:
        raise InvalidInput(f"{field_name}: no person {_echo(wanted)}; give the id or pseudonym "
                           "of a registered person.")
    return found


def source(session: Session, code: str) -> Source:
    """A source by code (or id); a claim whose source is missing is refused."""
    wanted = code.strip()
    if not wanted:
        raise InvalidInput("source: a source code is required.")
    found = session.scalars(select(Source).where(
        or_(Source.code == wanted, Source.id == wanted))).first()
    if found is None:
        raise InvalidInput(f"source: no source {_echo(wanted)}.")
    return found


_RESOLVED = "surplace.incidents.places"


def place(session: Session, reference: str | None, *, field_name: str) -> Place | None:
    """The gazetteer place a reference names. Resolving compares every spelling of every
    place, so a transaction remembers what it has resolved (a file of claims names the same
    few places again and again)."""
    if reference is None:
        return None
    resolved: dict[str, Place] = session.info.setdefault(_RESOLVED, {})
    if reference not in resolved:
        resolved[reference] = resolve_place(session, reference, field=field_name)
    return resolved[reference]


@dataclass
class Gazetteer:
    """The places of one session, held in memory: a few hundred public rows, walked many times
    when claims are compared and acts counted."""

    session: Session
    _places: dict[str, Place] = field(default_factory=dict)

    def get(self, place_id: str | None) -> Place | None:
        if place_id is None:
            return None
        if not self._places:
            self._places = {p.id: p for p in self.session.scalars(select(Place))}
        found = self._places.get(place_id)
        if found is None:  # added since the cache was filled
            found = self.session.get(Place, place_id)
            if found is not None:
                self._places[place_id] = found
        return found

    def code(self, place_id: str | None) -> str | None:
        found = self.get(place_id)
        return None if found is None else found.code

    def ancestor(self, place_id: str | None, level: str) -> Place | None:
        """The place itself or its nearest ancestor at ``level`` (province, country)."""
        current = self.get(place_id)
        seen: set[str] = set()
        while current is not None and current.id not in seen:
            if current.level == level:
                return current
            seen.add(current.id)
            current = self.get(current.parent_id)
        return None

    def province(self, place_id: str | None) -> str | None:
        """ISO 3166-2 code (or gazetteer code) of the place's province, for counting."""
        found = self.ancestor(place_id, "province")
        return None if found is None else (found.iso_3166_2 or found.code)

    def agreement(self, one: str | None, other: str | None) -> str:
        """``same`` place, same ``province``, one is the ``country`` of the other,
        ``unknown`` (either missing) or ``different``."""
        if one is None or other is None:
            return "unknown"
        if one == other:
            return "same"
        province = self.ancestor(one, "province")
        if province is not None and province is self.ancestor(other, "province"):
            return "province"
        first, second = self.get(one), self.get(other)
        for outer, inner in ((first, other), (second, one)):
            if outer is not None and outer.level == "country" and \
                    self.ancestor(inner, "country") is outer:
                return "country"
        return "different"
