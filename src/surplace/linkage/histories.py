"""Capture histories of linked persons by source: the table multiple systems estimation reads.

Linkage decides which records are the same person (open ``RecordPerson`` links); each source
is one list, and a person is "captured" by a source when the source holds a record linked to
them. The result mirrors :func:`surplace.incidents.counts.capture_histories`: one 0/1 column per
source code and a ``count`` column, with the stratum columns first when strata are asked for,
ready for :func:`surplace.estimation.histories.histories_from_frame` (or ``strata_from_frame``).

Strata, and what a person's stratum is:

* ``year``: the record's event year. A person is counted once in every year some source
  recorded them, captured that year by the sources whose records are of that year (person-
  years, as deaths are counted by the year of death): a record of 2019 says nothing about
  whether a list saw the person in 2020.
* ``province`` and ``sex``: properties of the person, not of a sighting, so each person has
  one value: the one most of their records give (ties to the first in alphabetical order, as
  records may disagree through error), so that no person is counted in two strata.

Records without a value fall in ``unknown``. Only the latest version of a source row counts (a
record superseded by another is left out), and only links in force (``unlinked_at`` null).
Nothing is decrypted: the table is built from clear columns (ids, source codes, event year,
sex and province codes) and holds counts only.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import exists, select
from sqlalchemy.orm import Session, aliased

from surplace.access.policy import Actor, require
from surplace.errors import InvalidInput
from surplace.linkage.models import RecordPerson
from surplace.records.models import Record, Source

#: What persons can be stratified by.
STRATA = ("year", "province", "sex")
UNKNOWN = "unknown"
COUNT = "count"


@dataclass
class _Person:
    """What the histories need of one person: sources by event year, and clear facts."""

    sources_by_year: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    provinces: Counter[str] = field(default_factory=Counter)
    sexes: Counter[str] = field(default_factory=Counter)


def _majority(values: Counter[str]) -> str:
    if not values:
        return UNKNOWN
    top = max(values.values())
    return min(value for value, n in values.items() if n == top)


def _strata(strata: Sequence[str]) -> list[str]:
    names: list[str] = []
    for raw in strata:
        name = raw.strip().lower()
        if name not in STRATA:
            raise InvalidInput(f"strata: {raw!r} is not one of {', '.join(STRATA)}.")
        if name in names:
            raise InvalidInput(f"strata: {name!r} is given twice.")
        names.append(name)
    return names


def _sources(session: Session, sources: Sequence[str] | None) -> list[str] | None:
    if sources is None:
        return None
    wanted = [code.strip() for code in sources]
    if not wanted or any(not code for code in wanted):
        raise InvalidInput("sources: give one or more source codes, separated by commas.")
    repeated = sorted({code for code in wanted if wanted.count(code) > 1})
    if repeated:
        raise InvalidInput(f"sources: {', '.join(map(repr, repeated))} given twice.")
    known = set(session.scalars(select(Source.code).where(Source.code.in_(wanted))))
    unknown = [code for code in wanted if code not in known]
    if unknown:
        raise InvalidInput(f"sources: no source {', '.join(map(repr, unknown))}.")
    return wanted


def _linked_persons(session: Session, codes: list[str] | None) -> dict[str, _Person]:
    newer = aliased(Record)
    superseded = exists().where(newer.supersedes_id == Record.id)
    query = (select(RecordPerson.person_id, Source.code, Record.event_year,
                    Record.origin_province, Record.sex)
             .join(Record, Record.id == RecordPerson.record_id)
             .join(Source, Source.id == Record.source_id)
             .where(RecordPerson.unlinked_at.is_(None), ~superseded))
    if codes is not None:
        query = query.where(Source.code.in_(codes))
    persons: dict[str, _Person] = defaultdict(_Person)
    for person_id, code, year, province, sex in session.execute(query):
        person = persons[person_id]
        person.sources_by_year[UNKNOWN if year is None else str(year)].add(code)
        if province:
            person.provinces[str(province)] += 1
        if sex:
            person.sexes[str(sex).upper()] += 1
    return persons


def person_capture_histories(session: Session, *, actor: Actor,
                             sources: Sequence[str] | None = None,
                             strata: Sequence[str] = ()) -> pd.DataFrame:
    """Linked persons by the sources holding their records: the stratum columns (among
    ``year``, ``province`` and ``sex``, in the order given), one 0/1 column per source code
    and ``count``, one row per pattern that occurs. ``sources`` narrows the lists, in the order
    given (persons none of them holds drop out); by default every source holding a linked
    record, in code order."""
    require(actor, "aggregate.read")
    names = _strata(strata)
    codes = _sources(session, sources)
    persons = _linked_persons(session, codes)
    lists = codes if codes is not None else sorted(
        {code for p in persons.values() for held in p.sources_by_year.values()
         for code in held})
    clash = sorted(set(lists) & {*STRATA, COUNT})
    if clash:
        raise InvalidInput(f"sources: the code {clash[0]!r} is also the name of a column of "
                           "the table; choose other sources or rename that source's code.")
    patterns: Counter[tuple[str | int, ...]] = Counter()
    for person in persons.values():
        facts = {"province": _majority(person.provinces), "sex": _majority(person.sexes)}
        if "year" in names:
            sightings = list(person.sources_by_year.items())
        else:
            held = {code for codes_of_year in person.sources_by_year.values()
                    for code in codes_of_year}
            sightings = [(UNKNOWN, held)]
        for year, held in sightings:
            facts["year"] = year
            pattern = tuple(int(code in held) for code in lists)
            if any(pattern):
                patterns[(*(facts[name] for name in names), *pattern)] += 1
    rows = sorted(patterns)
    frame = pd.DataFrame([list(row) for row in rows], columns=[*names, *lists])
    for code in lists:
        frame[code] = frame[code].astype("int64")
    for name in names:
        frame[name] = frame[name].astype(str)
    frame[COUNT] = pd.Series([patterns[row] for row in rows], dtype="int64")
    return frame
