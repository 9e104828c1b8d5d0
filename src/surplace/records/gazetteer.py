"""The gazetteer: countries and provinces from the vocabulary file, then the border region's
cities, counties, towns, crossings and detention places from ``gazetteer.toml``.

Places are public geography, so they are kept in the clear. Seeding is idempotent and never
overwrites what a store already holds: a place that exists keeps its names and only gains the
file's new spellings (and coordinates it lacked), so running a newer release over an older store
adds places and aliases without undoing anyone's corrections.
"""

from __future__ import annotations

import difflib

from sqlalchemy import select
from sqlalchemy.orm import Session

from surplace.errors import InvalidInput
from surplace.records.gazetteer_data import PlaceEntry, load_gazetteer, place_key
from surplace.records.models import Place
from surplace.records.vocabularies import terms


def seed_places(session: Session) -> int:
    """Add every place of the vocabulary and gazetteer files not yet in the store, merge new
    aliases into those that are; returns how many places were added.

    The gazetteer file is checked before anything is written, so a broken file adds nothing.
    """
    gazetteer = load_gazetteer()
    rows: dict[str, Place] = {place.code: place for place in session.scalars(select(Place))}
    before = len(rows)
    for code, labels in terms("country").items():
        if code not in rows:
            rows[code] = Place(code=code, level="country", name_en=str(labels["en"]),
                               name_ko=str(labels["ko"]), name_zh=str(labels["zh"]))
            session.add(rows[code])
    session.flush()
    for code, labels in terms("province").items():
        if code not in rows:
            rows[code] = Place(code=code, level="province", iso_3166_2=code,
                               parent_id=rows[code.split("-")[0]].id, name_en=str(labels["en"]),
                               name_ko=str(labels["ko"]), name_zh=str(labels["zh"]))
            session.add(rows[code])
    session.flush()
    for code, aliases in gazetteer.province_aliases.items():
        _merge_aliases(rows[code], aliases)
    for entry in gazetteer.places:
        row = rows.get(entry.code)
        if row is None:
            rows[entry.code] = _new_place(entry, parent=rows[entry.province])
            session.add(rows[entry.code])
        else:
            _merge_aliases(row, entry.aliases)
            if row.latitude is None and row.longitude is None:
                row.latitude, row.longitude = entry.latitude, entry.longitude
    session.flush()
    return len(rows) - before


def _new_place(entry: PlaceEntry, *, parent: Place) -> Place:
    return Place(code=entry.code, level=entry.level, iso_3166_2=entry.province,
                 parent_id=parent.id, name_en=entry.name_en, name_ko=entry.name_ko,
                 name_zh=entry.name_zh, aliases=list(entry.aliases), latitude=entry.latitude,
                 longitude=entry.longitude)


def _merge_aliases(row: Place, aliases: tuple[str, ...]) -> None:
    """Append the spellings the row lacks; a new list, so the JSON column sees the change."""
    existing = list(row.aliases or [])
    new = [alias for alias in aliases if alias not in existing]
    if new:
        row.aliases = existing + new


def _spellings(place: Place) -> list[str]:
    """What a place answers to. A place's ISO 3166-2 code names its province, so it counts as
    a name only for the province itself (else "KP-09" would match every place in it)."""
    names = [place.code, place.name_en, place.name_ko, place.name_zh, *(place.aliases or [])]
    if place.level == "province" and place.iso_3166_2:
        names.append(place.iso_3166_2)
    return [name for name in names if name]


def resolve_place(session: Session, reference: str, *, field: str = "place") -> Place:
    """The place a user means by a code, an ISO 3166-2 code, or any name or alias in any script.

    Spelling is forgiven (case, spaces, hyphens, apostrophes, breves: see ``place_key``). A code
    wins over names. An unknown reference is refused with the nearest places suggested, an
    ambiguous one with its candidates. The refusal does not repeat what was typed: a field
    meant for a place sometimes receives a person's name, and refusals reach pages and logs.
    The gazetteer is a few hundred public rows, so they are compared in memory rather than
    through an index.
    """
    wanted = place_key(reference)
    if not wanted:
        raise InvalidInput(f"{field}: a place name or code is required.")
    places = list(session.scalars(select(Place)))
    by_code = [place for place in places if place_key(place.code) == wanted]
    if len(by_code) == 1:
        return by_code[0]
    matches: dict[str, Place] = {}
    spellings: dict[str, Place] = {}
    for place in places:
        for name in _spellings(place):
            key = place_key(name)
            spellings.setdefault(key, place)
            if key == wanted:
                matches[place.id] = place
    if len(matches) == 1:
        return next(iter(matches.values()))
    if matches:
        codes = ", ".join(sorted(place.code for place in matches.values()))
        raise InvalidInput(f"{field}: the spelling given names more than one place ({codes}); "
                           "give the code.")
    nearest: dict[str, Place] = {}
    for key in difflib.get_close_matches(wanted, list(spellings), n=10, cutoff=0.6):
        nearest.setdefault(spellings[key].id, spellings[key])
    hint = ", ".join(f"{place.name_en} ({place.code})" for place in list(nearest.values())[:3])
    raise InvalidInput(f"{field}: the place given is not in the gazetteer"
                       + (f"; did you mean {hint}?" if hint else ""))
