"""The gazetteer's first level: countries and provinces from the vocabulary file.

Places are public geography, so they are kept in the clear. Towns, crossings and counties (with
names in every script) arrive with the linkage and incident issues as a data file of their own.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from surplace.records.models import Place
from surplace.records.vocabularies import terms


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
