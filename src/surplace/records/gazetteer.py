"""The gazetteer's first level: countries and provinces from the vocabulary file.

Places are public geography, so they are kept in the clear. Towns, crossings and counties (with
names in every script) arrive with the linkage and incident issues as a data file of their own.
"""

from __future__ import annotations

import difflib

from sqlalchemy import select
from sqlalchemy.orm import Session

from surplace.errors import InvalidInput
from surplace.records.models import Place
from surplace.records.vocabularies import terms
from surplace.vault.crypto import normalise_for_index


def seed_places(session: Session) -> int:
    """Add every country and province not yet in the store; returns how many were added."""
    existing = set(session.scalars(select(Place.code)))
    countries: dict[str, Place] = {
        place.code: place for place in session.scalars(select(Place).where(
            Place.level == "country"))
    }
    added = 0
    for code, labels in terms("country").items():
        if code not in existing:
            countries[code] = Place(code=code, level="country", name_en=labels["en"],
                                    name_ko=labels["ko"], name_zh=labels["zh"])
            session.add(countries[code])
            added += 1
    session.flush()
    for code, labels in terms("province").items():
        if code in existing:
            continue
        parent = countries[code.split("-")[0]]
        session.add(Place(code=code, level="province", iso_3166_2=code, parent_id=parent.id,
                          name_en=labels["en"], name_ko=labels["ko"], name_zh=labels["zh"]))
        added += 1
    session.flush()
    return added


def _place_key(value: str) -> str:
    """Spelling-insensitive form of a place name: case, spaces, hyphens and apostrophes go."""
    return normalise_for_index(value).replace(" ", "")


def resolve_place(session: Session, reference: str, *, field: str = "place") -> Place:
    """The place a user means by a code, an ISO 3166-2 code, or any name or alias in any script.

    Refuses an unknown or ambiguous reference with the nearest names suggested. The gazetteer
    is a few hundred public rows, so they are compared in memory rather than through an index.
    """
    wanted = _place_key(reference)
    if not wanted:
        raise InvalidInput(f"{field}: a place name or code is required.")
    matches: dict[str, Place] = {}
    spellings: dict[str, str] = {}
    for place in session.scalars(select(Place)):
        names = [place.code, place.iso_3166_2, place.name_en, place.name_ko, place.name_zh,
                 *(place.aliases or [])]
        for name in names:
            if name:
                spellings[_place_key(name)] = name
                if _place_key(name) == wanted:
                    matches[place.id] = place
    if len(matches) == 1:
        return next(iter(matches.values()))
    if len(matches) > 1:
        codes = ", ".join(sorted(place.code for place in matches.values()))
        raise InvalidInput(f"{field}: {reference!r} names more than one place ({codes}); "
                           "give the code.")
    nearest = difflib.get_close_matches(wanted, list(spellings), n=3, cutoff=0.6)
    hint = (f"; did you mean {', '.join(spellings[key] for key in nearest)}?" if nearest
            else "")
    raise InvalidInput(f"{field}: {reference!r} is not in the gazetteer{hint}")
