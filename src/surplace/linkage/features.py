"""Records → comparison columns: the name, date and place keys Splink compares, one row each.

Why precompute: Splink compares columns with SQL, and SQL cannot read 金哲洙 as Kim Chol-su.
So every record's name, birth and origin are reduced here, in Python, to plain columns (a
surname class id, a given-name sound, arrays of candidate keys, a birth-year interval, a
province code) that the SQL of :mod:`surplace.linkage.model` compares with equality, array
intersection and Jaro–Winkler — on DuckDB or on Spark alike.

Lists repeat themselves (the same few thousand surnames, names and places, and a handful of
date formats), so each function of a value runs once per *distinct* value and is mapped back
over the column: a 100,000-row list costs as many key computations as it has distinct names.

Role columns (all optional): ``record_id``, ``source``, ``name`` (the whole name as written),
``family_name``, ``given_name``, ``sex``, ``birth``, ``origin``. A value that cannot be read
(an impossible date) becomes missing and is reported in :attr:`Features.problems` by row and
role, never by value: the value may be a name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pandas as pd

from surplace.linkage.dates import DateKey, InvalidDate, parse_date
from surplace.linkage.hangul import fold_latin
from surplace.linkage.names import NameKey, name_keys
from surplace.linkage.places import place_keys
from surplace.records.gazetteer_data import place_key

ROLES = ("record_id", "source", "name", "family_name", "given_name", "sex", "birth", "origin")
#: Candidate readings further than this (in reading penalty) from the best are not compared:
#: they are the far-fetched splits that would make unrelated names overlap.
CANDIDATE_SPAN = 1.5
MAX_CANDIDATES = 6
SEX = {"m": "m", "male": "m", "man": "m", "남": "m", "남자": "m", "男": "m",
       "f": "f", "female": "f", "woman": "f", "여": "f", "여자": "f", "女": "f"}
_SPACES = re.compile(r"\s+")

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass
class Features:
    """The comparison table (one row per record, ``unique_id`` first) and what was unreadable:
    (row position, role, reason) with the reason naming no value."""

    table: pd.DataFrame
    problems: list[tuple[int, str, str]] = field(default_factory=list)


def _per_distinct(values: Iterable[K], compute: Callable[[K], V]) -> list[V]:
    """``compute`` once per distinct value, mapped back in order."""
    cache: dict[K, V] = {}
    out = []
    for value in values:
        if value not in cache:
            cache[value] = compute(value)
        out.append(cache[value])
    return out


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = _SPACES.sub(" ", str(value)).strip()
    return text or None


def _column(frame: pd.DataFrame, role: str) -> list[str | None]:
    if role not in frame.columns:
        return [None] * len(frame)
    return [_text(value) for value in frame[role].tolist()]


NameTriple = tuple[str | None, str | None, str | None]


def name_columns(triple: NameTriple) -> dict[str, Any]:
    """The name columns of one (name, family, given): best keys, candidate arrays, raw text."""
    whole, family, given = triple
    if whole is None and family is None and given is None:
        return {"name_raw": None, "name_lower": None, "surname": None, "given": None,
                "name_key": None, "phonetic": None, "name_cands": None, "surnames": None}
    raw = whole if whole is not None else " ".join(p for p in (family, given) if p)
    keys: list[NameKey] = (name_keys(whole) if whole is not None
                           else name_keys(family=family, given=given))
    best = keys[0] if keys else None
    near = [k for k in keys if best and k.penalty <= best.penalty + CANDIDATE_SPAN]
    cands = list(dict.fromkeys(f"{k.surname}|{k.given_sound}" for k in near
                               if k.surname and k.given_sound))[:MAX_CANDIDATES]
    surnames = list(dict.fromkeys(k.surname for k in near if k.surname))
    surname = (best.surname or None) if best else None
    given_sound = (best.given_sound or None) if best else None
    return {
        "name_raw": fold_latin(raw),
        "name_lower": raw.lower(),
        "surname": surname,
        "given": given_sound,
        "name_key": f"{surname}|{given_sound}" if surname and given_sound else None,
        "phonetic": best.phonetic.replace(" ", "") if best else None,
        "name_cands": cands or None,
        "surnames": surnames or None,
    }


def date_columns(key: DateKey | None) -> dict[str, Any]:
    """Year interval, exact year, year-month, month, day and full date of a date key."""
    if key is None:
        return {"birth_lo": None, "birth_hi": None, "birth_year": None, "birth_ym": None,
                "birth_month": None, "birth_day": None, "birth_full": None}
    ym = f"{key.year}-{key.month:02d}" if key.year is not None and key.month else None
    full = f"{ym}-{key.day:02d}" if ym is not None and key.day else None
    return {"birth_lo": key.earliest_year, "birth_hi": key.latest_year, "birth_year": key.year,
            "birth_ym": ym, "birth_month": key.month if key.day else None,
            "birth_day": key.day if key.month else None, "birth_full": full}


def origin_columns(text: str | None) -> dict[str, Any]:
    """Place code and province through the gazetteer; the folded text when it knows none."""
    if text is None:
        return {"origin_code": None, "origin_province": None, "origin_raw": None}
    keys = place_keys(text)
    if not keys:
        return {"origin_code": None, "origin_province": None, "origin_raw": place_key(text)}
    return {"origin_code": keys[0].code, "origin_province": keys[0].province,
            "origin_raw": place_key(text)}


def build_features(frame: pd.DataFrame, *, reference_year: int | None = None) -> Features:
    """The comparison table of records given in role columns (see the module docstring).

    ``record_id`` defaults to the row position and ``source`` to "", so a bare list of names
    can be linked. Raises nothing for unreadable values: they are missing, listed in
    ``problems``.
    """
    count = len(frame)
    ids = _column(frame, "record_id")
    sources = _column(frame, "source")
    table = pd.DataFrame({
        "unique_id": [i if i is not None else str(n) for n, i in enumerate(ids)],
        "source": [s or "" for s in sources],
    })
    names = list(zip(_column(frame, "name"), _column(frame, "family_name"),
                     _column(frame, "given_name"), strict=True))
    name_rows = _per_distinct(names, name_columns)
    problems: list[tuple[int, str, str]] = []

    def read_date(text: str | None) -> DateKey | InvalidDate | None:
        try:
            return parse_date(text, reference_year=reference_year)
        except InvalidDate as error:
            return error

    dates = _per_distinct(_column(frame, "birth"), read_date)
    for row, value in enumerate(dates):
        if isinstance(value, InvalidDate):
            problems.append((row, "birth", "not a date that can exist or be read"))
    date_rows = [date_columns(d if isinstance(d, DateKey) else None) for d in dates]
    origin_rows = _per_distinct(_column(frame, "origin"), origin_columns)
    sexes = [SEX.get(s.lower()) if s is not None else None for s in _column(frame, "sex")]
    for row, (given, normal) in enumerate(zip(_column(frame, "sex"), sexes, strict=True)):
        if given is not None and normal is None:
            problems.append((row, "sex", "not a recognised sex (m/f, male/female, 남/여, 男/女)"))
    if count == 0:  # from_records of no rows cannot build a frame: give the empty shape
        parts = [table, pd.DataFrame(columns=list(blank().keys()))]
    else:
        parts = [table, pd.DataFrame.from_records(name_rows, index=range(count)),
                 pd.DataFrame.from_records(date_rows, index=range(count)),
                 pd.DataFrame.from_records(origin_rows, index=range(count)),
                 pd.DataFrame({"sex": sexes})]
    out = pd.concat(parts, axis=1)
    for column in ("birth_lo", "birth_hi", "birth_year", "birth_month", "birth_day"):
        out[column] = out[column].astype("Int64")
    return Features(out, problems)


def blank() -> dict[str, Any]:
    """Every comparison column with a missing value (the shape of an empty table)."""
    return {**name_columns((None, None, None)), **date_columns(None),
            **origin_columns(None), "sex": None}
