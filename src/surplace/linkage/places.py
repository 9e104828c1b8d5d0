"""Places of origin in any script, matched through the gazetteer, and their agreement levels.

A person's origin is a strong linkage field in this population — most come from a few border
counties — but it is written 회령, 會寧, 会宁, Hoeryŏng, Hoeryong-si or "Hoeryong, North
Hamgyong". Everything is resolved through the gazetteer file the store seeds its places from
(``records/gazetteer.toml``, read and checked by ``records/gazetteer_data.py``), with the same
spelling-insensitive key (:func:`place_key`), so linkage and the store agree on what a name means
without needing a database. Levels follow the administrative tree: same place, same province
(ISO 3166-2), same country.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from functools import cache

from surplace.linkage.dates import UNKNOWN_MARKERS
from surplace.records.gazetteer_data import load_gazetteer, place_key
from surplace.records.vocabularies import terms

#: How specific each level is: a place resolved from several parts keeps its most specific one.
SPECIFICITY = {"country": 0, "province": 1, "prefecture": 2, "city": 3, "county": 3, "town": 4,
               "crossing": 4, "detention": 5}
_PARTS = re.compile(r"[,，、;/]+|\s+")
_SUFFIXES = (" city", " county", " province", " prefecture", " town", " district")


class PlaceAgreement(IntEnum):
    SAME_PLACE = 3
    SAME_PROVINCE = 2
    SAME_COUNTRY = 1
    DIFFERENT = 0
    UNKNOWN = -1  # a side is missing or names no place the gazetteer knows


@dataclass(frozen=True)
class PlaceKey:
    """A resolved place: its code (KP-09-hoeryong, or KP-09 / KP for a province or country),
    its province's ISO 3166-2 code (None for a country), its country and its level."""

    code: str
    province: str | None
    country: str
    level: str


@cache
def _index() -> dict[str, tuple[PlaceKey, ...]]:
    """place_key(spelling) → the places answering to it (several only for the spellings the
    gazetteer lists as ambiguous)."""
    gazetteer = load_gazetteer()
    index: defaultdict[str, list[PlaceKey]] = defaultdict(list)

    def add(key: PlaceKey, spellings: Iterable[str]) -> None:
        for spelling in spellings:
            entries = index[place_key(spelling)]
            if key not in entries:
                entries.append(key)

    for vocabulary in ("country", "province"):
        for code, labels in terms(vocabulary).items():
            key = PlaceKey(code=code, province=code if vocabulary == "province" else None,
                           country=code.split("-")[0], level=vocabulary)
            add(key, [code, *(str(label) for label in labels.values()),
                      *gazetteer.province_aliases.get(code, ())])
    for entry in gazetteer.places:
        add(PlaceKey(code=entry.code, province=entry.province,
                     country=entry.province.split("-")[0], level=entry.level),
            (spelling for _, spelling in entry.spellings()))
    return {key: tuple(value) for key, value in index.items()}


def _lookup(text: str) -> tuple[PlaceKey, ...]:
    index = _index()
    found = index.get(place_key(text), ())
    lowered = text.lower()
    for suffix in _SUFFIXES if not found else ():
        if lowered.endswith(suffix):
            found = index.get(place_key(text[: -len(suffix)]), ())
            break
    return found


def place_keys(text: str | None) -> list[PlaceKey]:
    """The places a written origin names, most specific first; [] when none is known.

    The whole text is tried first, then its parts ("Hoeryong, North Hamgyong", "함경북도
    회령시"), keeping the most specific places found; several are returned only when the
    spelling is ambiguous (the gazetteer's ``ambiguous`` list).
    """
    if text is None or text.strip().lower() in UNKNOWN_MARKERS:
        return []
    found = list(_lookup(text.strip()))
    if not found:
        for part in _PARTS.split(text):
            if part.strip():
                found.extend(key for key in _lookup(part.strip()) if key not in found)
    if not found:
        return []
    top = max(SPECIFICITY[key.level] for key in found)
    return [key for key in found if SPECIFICITY[key.level] == top]


def _compare_one(a: PlaceKey, b: PlaceKey) -> PlaceAgreement:
    if a.code == b.code:
        return PlaceAgreement.SAME_PLACE
    if a.province is not None and a.province == b.province:
        return PlaceAgreement.SAME_PROVINCE
    if a.country == b.country:
        return PlaceAgreement.SAME_COUNTRY
    return PlaceAgreement.DIFFERENT


def compare_places(a: Sequence[PlaceKey], b: Sequence[PlaceKey]) -> PlaceAgreement:
    """The best level over the places two origins may name (UNKNOWN if either names none)."""
    return max((_compare_one(x, y) for x in a for y in b), default=PlaceAgreement.UNKNOWN)
