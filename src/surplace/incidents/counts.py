"""Counting documented acts, and their capture histories over sources.

An act is *documented* when at least one source's information is attached to it (linked or
founding, not pending review); acts entered by hand wait for a source before they count. Every
count carries the ids of its acts and the codes of the sources that document them, so a figure
in a report can be shown act by act.

"At least" counts hold the information to a grade: with ``min_reliability="B"`` and
``max_credibility=2`` only information from a source graded A or B whose content is graded 1
or 2 is used (Admiralty scale: A and 1 are best), and an act with none left is not counted.
The same filter applies to capture histories, where each act is one row and each source one
list: the table :mod:`surplace.estimation` reads to estimate how many acts no source saw.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import extract, select
from sqlalchemy.orm import Session

from surplace.access.policy import Actor, require
from surplace.errors import InvalidInput
from surplace.incidents import refs
from surplace.incidents.matching import COUNTED
from surplace.incidents.models import Act, Information, Involvement
from surplace.incidents.schemas import CountRow, CountsOut
from surplace.incidents.vocabularies import check
from surplace.records.models import Source

#: What counts can be broken down by ("type" is accepted for act_type).
DIMENSIONS = ("act_type", "year", "province", "perpetrator")
UNKNOWN = "unknown"


@dataclass
class DocumentedAct:
    id: str
    act_type: str
    year: str
    province: str
    units: set[str] = field(default_factory=set)
    sources: set[str] = field(default_factory=set)

    def key(self, dimension: str) -> list[str]:
        if dimension == "perpetrator":
            return sorted(self.units) or [UNKNOWN]
        return [str(getattr(self, dimension))]


@dataclass(frozen=True)
class Filters:
    act_type: str | None = None
    year: int | None = None
    province: str | None = None
    perpetrator: str | None = None
    min_reliability: str | None = None
    max_credibility: int | None = None

    def checked(self) -> Filters:
        """The same filters with every term checked (unknown ones refused with suggestions)."""
        return Filters(
            act_type=None if self.act_type is None else check("act_type", self.act_type,
                                                               field="act_type"),
            year=self.year,
            province=self.province,
            perpetrator=None if self.perpetrator is None else check(
                "perpetrator_unit", self.perpetrator, field="perpetrator"),
            min_reliability=None if self.min_reliability is None else check(
                "reliability", self.min_reliability.strip().upper(), field="min_reliability"),
            max_credibility=None if self.max_credibility is None else int(check(
                "credibility", str(self.max_credibility), field="max_credibility")))

    def as_text(self) -> dict[str, str]:
        return {name: str(value) for name, value in vars(self).items() if value is not None}


def documented_acts(session: Session, filters: Filters) -> list[DocumentedAct]:
    """Every documented act passing the filters, with its qualifying sources and its units."""
    query = (select(Act.id, Act.act_type, Act.act_date, Act.place_id, Source.code)
             .join(Information, Information.act_id == Act.id)
             .join(Source, Source.id == Information.source_id)
             .where(Information.link_status.in_(COUNTED)))
    if filters.act_type is not None:
        query = query.where(Act.act_type == filters.act_type)
    if filters.year is not None:
        query = query.where(extract("year", Act.act_date) == filters.year)
    if filters.min_reliability is not None:
        query = query.where(Information.reliability <= filters.min_reliability)
    if filters.max_credibility is not None:
        query = query.where(Information.credibility <= filters.max_credibility)
    gazetteer = refs.Gazetteer(session)
    acts: dict[str, DocumentedAct] = {}
    for act_id, act_type, act_date, place_id, code in session.execute(query):
        if act_id not in acts:
            acts[act_id] = DocumentedAct(
                id=act_id, act_type=act_type,
                year=UNKNOWN if act_date is None else str(act_date.year),
                province=gazetteer.province(place_id) or UNKNOWN)
        acts[act_id].sources.add(code)
    if filters.province is not None:  # any place names its province: "Yanji" means CN-JL
        place = refs.place(session, filters.province, field_name="province")
        wanted = gazetteer.province(None if place is None else place.id) or filters.province
        acts = {key: act for key, act in acts.items() if act.province == wanted}
    ids = list(acts)
    for start in range(0, len(ids), 5_000):  # keep IN lists within every back end's limits
        chunk = ids[start:start + 5_000]
        for act_id, unit in session.execute(select(Involvement.act_id, Involvement.unit).where(
                Involvement.act_id.in_(chunk), Involvement.unit.is_not(None))):
            acts[act_id].units.add(str(unit))
    found = sorted(acts.values(), key=lambda act: act.id)
    if filters.perpetrator is not None:
        found = [act for act in found if filters.perpetrator in act.units]
    return found


def _dimensions(by: Sequence[str]) -> list[str]:
    names = []
    for name in by:
        name = "act_type" if name.strip() == "type" else name.strip()
        if name not in DIMENSIONS:
            raise InvalidInput(f"by: {name!r} is not one of {', '.join(DIMENSIONS)}.")
        names.append(name)
    return names


def count_acts(session: Session, *, actor: Actor, by: Sequence[str] = ("act_type",),
               act_type: str | None = None, year: int | None = None,
               province: str | None = None, perpetrator: str | None = None,
               min_reliability: str | None = None,
               max_credibility: int | None = None) -> CountsOut:
    """Documented acts by type, year, province and/or perpetrator unit. An act with several
    perpetrator units appears under each; ``total`` counts every act once. The filters keep
    acts of a type, year, province (any place in it may name it) or perpetrator unit, and
    information graded at least ``min_reliability`` and ``max_credibility``."""
    require(actor, "aggregate.read")
    filters = Filters(act_type, year, province, perpetrator, min_reliability,
                      max_credibility).checked()
    dimensions = _dimensions(by)
    groups: dict[tuple[str, ...], list[DocumentedAct]] = defaultdict(list)
    acts = documented_acts(session, filters)
    for act in acts:
        keys: list[tuple[str, ...]] = [()]
        for dimension in dimensions:
            keys = [key + (value,) for key in keys for value in act.key(dimension)]
        for key in keys:
            groups[key].append(act)
    rows = [CountRow(key=dict(zip(dimensions, key, strict=True)), acts=len(members),
                     act_ids=[act.id for act in members],
                     sources=sorted({code for act in members for code in act.sources}))
            for key, members in sorted(groups.items())]
    return CountsOut(by=dimensions, total=len(acts), filters=filters.as_text(), rows=rows)


def capture_histories(session: Session, *, actor: Actor, act_type: str | None = None,
                      year: int | None = None, province: str | None = None,
                      perpetrator: str | None = None, min_reliability: str | None = None,
                      max_credibility: int | None = None,
                      sources: Sequence[str] | None = None) -> pd.DataFrame:
    """One 0/1 column per source code and a ``count`` column: how many documented acts each
    pattern of sources describes (filters as for :func:`count_acts`). ``sources`` narrows the
    lists (acts seen by none of them drop out). Feed it to
    :func:`surplace.estimation.histories.histories_from_frame`."""
    require(actor, "aggregate.read")
    acts = documented_acts(session, Filters(act_type, year, province, perpetrator,
                                            min_reliability, max_credibility).checked())
    seen = sorted({code for act in acts for code in act.sources})
    if sources is not None:
        wanted = [code.strip() for code in sources]
        unknown = sorted(set(wanted) - set(session.scalars(select(Source.code))))
        if unknown:
            raise InvalidInput(f"sources: no source {', '.join(map(repr, unknown))}.")
        seen = wanted
    patterns: dict[tuple[int, ...], int] = defaultdict(int)
    for act in acts:
        pattern = tuple(int(code in act.sources) for code in seen)
        if any(pattern):
            patterns[pattern] += 1
    frame = pd.DataFrame([list(p) for p in sorted(patterns)], columns=seen, dtype="int64")
    frame["count"] = [patterns[p] for p in sorted(patterns)]
    return frame
