"""Reading the border-region gazetteer file (``gazetteer.toml``) and refusing it when it is wrong.

The file is data a researcher edits by hand, so every load checks it whole and the first mistake
stops it with a message naming the place and the field: a wrong province code or a swapped
coordinate would otherwise file incidents under the wrong county, and a spelling that two places
claim would make ``resolve_place`` refuse a name that used to work. A spelling may be shared only
when the file lists it under ``ambiguous``: then resolving it asks the user which place is meant.

The checks compare spellings the way ``resolve_place`` matches them (:func:`place_key`), so
whatever passes here resolves there.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from surplace.errors import InvalidInput
from surplace.records.vocabularies import terms
from surplace.vault.crypto import normalise_for_index

GAZETTEER_FILE = Path(__file__).with_name("gazetteer.toml")
#: The kinds of place the file may hold (countries and provinces come from vocabularies.toml).
LEVELS = ("prefecture", "city", "county", "town", "crossing", "detention")
#: South, north, west, east edges (degrees) of the region the file covers: the border, the
#: DPRK provinces behind it and the Chinese cities where people hide, Beijing and Qingdao included.
REGION = (35.0, 47.0, 115.0, 131.0)
CODE_LENGTH = 32  # Place.code is String(32)
_CODE = re.compile(r"(?:[A-Z]{2}-[A-Z0-9]{2}|X)-[a-z0-9]+(?:-[a-z0-9]+)*")
_FIELDS = frozenset({"code", "level", "province", "across", "name_en", "name_ko", "name_zh",
                     "aliases", "latitude", "longitude", "note"})


class GazetteerFileError(InvalidInput):
    """The gazetteer file breaks a rule; the message names the file, the place and the field."""


@dataclass(frozen=True)
class PlaceEntry:
    """One place as the file gives it; ``province`` is its ISO 3166-2 code and its parent."""

    code: str
    level: str
    province: str
    name_en: str
    name_ko: str
    name_zh: str
    aliases: tuple[str, ...]
    latitude: float | None
    longitude: float | None

    def spellings(self) -> Iterator[tuple[str, str]]:
        """(field, spelling) for every string the place answers to."""
        yield from (("code", self.code), ("name_en", self.name_en), ("name_ko", self.name_ko),
                    ("name_zh", self.name_zh))
        yield from (("aliases", alias) for alias in self.aliases)


@dataclass(frozen=True)
class Gazetteer:
    places: tuple[PlaceEntry, ...]
    #: More spellings for the country and province rows seeded from vocabularies.toml.
    province_aliases: Mapping[str, tuple[str, ...]]
    #: Keys (:func:`place_key`) that more than one place answers to on purpose.
    ambiguous: frozenset[str]


@lru_cache(maxsize=16384)
def place_key(value: str) -> str:
    """Spelling-insensitive form of a place name: case, spaces, hyphens, apostrophes and the
    breves and accents of romanisations go (Hoeryŏng = hoe-ryong = Hoeryong); Hangul and
    Chinese characters stay as written. Cached: ``resolve_place`` folds every name of every
    place on each call, and an import resolves thousands of references."""
    folded = unicodedata.normalize("NFKD", normalise_for_index(value))
    kept = "".join(char for char in folded if unicodedata.category(char) != "Mn"
                   and not 0x02B0 <= ord(char) <= 0x02FF)  # ʼ ʻ and other modifier letters
    return unicodedata.normalize("NFC", kept).replace(" ", "")


@cache
def load_gazetteer(path: Path = GAZETTEER_FILE) -> Gazetteer:
    """The checked contents of the gazetteer file, read once per process."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise GazetteerFileError(f"{path.name}: not valid TOML ({error}).") from None
    unknown = set(data) - {"ambiguous", "province_aliases", "place"}
    if unknown:
        raise GazetteerFileError(f"{path.name}: unknown table or key {sorted(unknown)[0]!r}.")
    known = _vocabulary_places()
    aliases = _province_aliases(path.name, data.get("province_aliases", {}), known)
    places = tuple(_entry(path.name, raw, index, known)
                   for index, raw in enumerate(data.get("place", []), start=1))
    ambiguous = _strings(f"{path.name}: ambiguous", data.get("ambiguous", []))
    gazetteer = Gazetteer(places=places, province_aliases=aliases,
                          ambiguous=frozenset(place_key(spelling) for spelling in ambiguous))
    _check_spellings(path.name, gazetteer, known)
    return gazetteer


def _vocabulary_places() -> dict[str, dict[str, str]]:
    """Countries and provinces of vocabularies.toml: code → labels (en, ko, zh)."""
    return {code: {language: str(label) for language, label in labels.items()}
            for vocabulary in ("country", "province")
            for code, labels in terms(vocabulary).items()}


def _province_aliases(file: str, raw: Any, known: Mapping[str, object]
                      ) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict):
        raise GazetteerFileError(f"{file}: province_aliases must be a table.")
    for code in raw:
        if code not in known:
            raise GazetteerFileError(f"{file}: province_aliases: {code!r} is not a country or "
                                     "province of vocabularies.toml.")
    return {code: _strings(f"{file}: province_aliases {code}", value)
            for code, value in raw.items()}


def _entry(file: str, raw: Any, index: int, known: Mapping[str, object]) -> PlaceEntry:
    """One [[place]], checked field by field."""
    if not isinstance(raw, dict):
        raise GazetteerFileError(f"{file}: place #{index} is not a table.")
    code = raw.get("code")
    where = f"{file}: place {code!r}" if isinstance(code, str) and code else \
        f"{file}: place #{index}"

    def fail(field: str, problem: str) -> GazetteerFileError:
        return GazetteerFileError(f"{where}: {field} {problem}")

    extra = sorted(set(raw) - _FIELDS)
    if extra:
        raise fail(extra[0], "is not a field of a place (misspelt?).")
    if not isinstance(code, str) or not _CODE.fullmatch(code) or len(code) > CODE_LENGTH:
        raise fail("code", f"must be PROVINCE-name or X-name in lower case, at most "
                   f"{CODE_LENGTH} characters (got {code!r}).")
    level, province = raw.get("level"), raw.get("province")
    if level not in LEVELS:
        raise fail("level", f"{level!r} is not one of {', '.join(LEVELS)}.")
    if not isinstance(province, str) or province.count("-") != 1 or province not in known:
        raise fail("province", f"{province!r} is not a province code of vocabularies.toml.")
    if (level == "crossing") != code.startswith("X-"):
        raise fail("code", "must start with X- for a crossing, and only for a crossing.")
    if level == "crossing":
        across = raw.get("across")
        if not province.startswith("CN-"):
            raise fail("province", "of a crossing must be the Chinese side (CN-…).")
        if not isinstance(across, str) or not across.startswith("KP-") or across not in known:
            raise fail("across", f"{across!r} must be the DPRK-side province (KP-…).")
    elif not code.startswith(province + "-"):
        raise fail("code", f"must start with its province, {province}-.")
    elif "across" in raw:
        raise fail("across", "is only for crossings.")
    names = {field: raw.get(field) for field in ("name_en", "name_ko", "name_zh")}
    for field, name in names.items():
        if not isinstance(name, str) or not name.strip():
            raise fail(field, "must be a non-empty name.")
    if not any(_is_hangul(char) for char in str(names["name_ko"])):
        raise fail("name_ko", "must be written in Hangul.")
    if not any(_is_han(char) for char in str(names["name_zh"])) or \
            any(_is_hangul(char) for char in str(names["name_zh"])):
        raise fail("name_zh", "must be written in Chinese characters.")
    aliases = _strings(f"{where}: aliases", raw.get("aliases", []))
    latitude, longitude = _coordinates(fail, raw.get("latitude"), raw.get("longitude"))
    return PlaceEntry(code=code, level=level, province=province, name_en=str(names["name_en"]),
                      name_ko=str(names["name_ko"]), name_zh=str(names["name_zh"]),
                      aliases=aliases, latitude=latitude, longitude=longitude)


def _coordinates(fail: Callable[[str, str], GazetteerFileError], latitude: Any, longitude: Any
                 ) -> tuple[float | None, float | None]:
    if latitude is None and longitude is None:
        return None, None
    for field, value in (("latitude", latitude), ("longitude", longitude)):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise fail(field, "must be a number, given together with the other coordinate.")
    south, north, west, east = REGION
    if not south <= latitude <= north:
        raise fail("latitude", f"{latitude} is outside the region ({south}–{north} N).")
    if not west <= longitude <= east:
        raise fail("longitude", f"{longitude} is outside the region ({west}–{east} E).")
    return float(latitude), float(longitude)


def _strings(where: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip()
                                              for item in value):
        raise GazetteerFileError(f"{where} must be a list of non-empty strings.")
    repeated = next((item for index, item in enumerate(value) if item in value[:index]), None)
    if repeated is not None:
        raise GazetteerFileError(f"{where}: {repeated!r} is listed twice.")
    return tuple(value)


def _check_spellings(file: str, gazetteer: Gazetteer, known: Mapping[str, Mapping[str, str]]
                     ) -> None:
    """No two places answer to one spelling unless the file says it is ambiguous on purpose,
    every ``ambiguous`` entry is really shared, and no code is used twice."""
    owners: dict[str, str] = {}
    shared: set[str] = set()

    def claim(code: str, field: str, spelling: str) -> None:
        key = place_key(spelling)
        owner = owners.setdefault(key, code)
        if owner == code:
            return
        if key not in gazetteer.ambiguous:
            raise GazetteerFileError(
                f"{file}: place {code!r}: {field} {spelling!r} is also a name of {owner!r}; "
                "list it under 'ambiguous' if both places are meant.")
        shared.add(key)

    for code, labels in known.items():
        for field, spelling in (("code", code), *labels.items(),
                                *(("aliases", alias)
                                  for alias in gazetteer.province_aliases.get(code, ()))):
            claim(code, field, spelling)
    seen: set[str] = set()
    for entry in gazetteer.places:
        if entry.code in seen or entry.code in known:
            raise GazetteerFileError(f"{file}: place {entry.code!r}: code is used twice.")
        seen.add(entry.code)
        for field, spelling in entry.spellings():
            claim(entry.code, field, spelling)
    unshared = sorted(gazetteer.ambiguous - shared)
    if unshared:
        raise GazetteerFileError(f"{file}: ambiguous: {unshared[0]!r} names at most one place; "
                                 "remove it from the list.")


def _is_hangul(char: str) -> bool:
    return "\uac00" <= char <= "\ud7a3"


def _is_han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"
