"""What aggregate tables count: persons, documented acts and cases, each reduced to the clear
columns the tables are broken down by (year, province, sex, act type).

- **Persons**: every person (what linkage concluded), by province of origin and sex; the year is
  the earliest event year among the person's linked records (``unknown`` when none has one);
  the act types are those of documented acts against the person (``none`` when there is none).
- **Acts**: documented acts, exactly as ``surplace incident count`` counts them
  (:func:`surplace.incidents.counts.documented_acts`): year of the act, province of its place,
  the victim's sex.
- **Cases**: every case, by the year it was opened and its principal's sex, province of origin
  and documented act types. The cases service's listing serves the cases a user works on and
  refuses a role that only reads aggregates, so, as its assistance totals do, the count of every
  case for ``aggregate.read`` is a query of its own here, reading clear columns only.

A person or a case with documented acts of several types is counted once under each type, so
along ``act_type`` a margin is the number of (person, type) pairs, not of persons; the
published margins are always the sums of the published table's cells.

Each dimension's categories are a fixed list — the vocabulary's provinces, sexes and act types,
every year from the first to the last observed, and ``unknown`` — so that a category's presence
in the table says nothing about whether anyone is counted in it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from surplace.incidents.matching import COUNTED
from surplace.incidents.models import Act, Information
from surplace.io.export.people import BATCH, Scanned, first_seen_years, no_progress, pages
from surplace.io.export.schemas import Filters, Of
from surplace.records.models import Person

UNKNOWN = "unknown"
NONE = "none"


@dataclass(frozen=True)
class Unit:
    """One person, act or case as a table counts it."""

    year: str
    province: str
    sex: str
    act_types: tuple[str, ...]

    def keys(self, dimensions: Sequence[str]) -> list[tuple[str, ...]]:
        keys: list[tuple[str, ...]] = [()]
        for dimension in dimensions:
            values = self.act_types if dimension == "act_type" else (getattr(self, dimension),)
            keys = [key + (value,) for key in keys for value in values]
        return keys


def _text(value: object) -> str:
    return UNKNOWN if value is None or value == "" else str(value)


def documented_types(session: Session, person_ids: Sequence[str]) -> dict[str, set[str]]:
    """The types of documented acts against each person (acts a source's information is
    attached to, as the incidents domain counts them)."""
    found: dict[str, set[str]] = defaultdict(set)
    for start in range(0, len(person_ids), BATCH):
        chunk = list(person_ids[start:start + BATCH])
        query = (select(Act.victim_id, Act.act_type)
                 .join(Information, Information.act_id == Act.id)
                 .where(Act.victim_id.in_(chunk), Information.link_status.in_(COUNTED))
                 .distinct())
        for victim, act_type in session.execute(query):
            found[str(victim)].add(str(act_type))
    return found


def _keep(unit: Unit, filters: Filters) -> Unit | None:
    if filters.year is not None and unit.year != str(filters.year):
        return None
    if filters.province is not None and unit.province != filters.province:
        return None
    if filters.act_type is not None:
        if filters.act_type not in unit.act_types:
            return None
        return Unit(unit.year, unit.province, unit.sex, (filters.act_type,))
    return unit


def person_units(session: Session, filters: Filters, *,
                 on_scanned: Scanned = no_progress) -> Iterator[Unit]:
    for page in pages(session, Person, on_scanned=on_scanned):
        ids = [person.id for person in page]
        years = first_seen_years(session, ids)
        types = documented_types(session, ids)
        for person in page:
            unit = _keep(Unit(_text(years.get(person.id)), _text(person.origin_province),
                              _text(person.sex), tuple(sorted(types.get(person.id, ())))
                              or (NONE,)), filters)
            if unit is not None:
                yield unit


def act_units(session: Session, filters: Filters, *,
              on_scanned: Scanned = no_progress) -> Iterator[Unit]:
    from surplace.incidents import counts

    acts = counts.documented_acts(session, counts.Filters(
        act_type=filters.act_type, year=filters.year, province=filters.province).checked())
    for start in range(0, len(acts), BATCH):
        chunk = acts[start:start + BATCH]
        sexes = {str(act_id): sex for act_id, sex in session.execute(
            select(Act.id, Person.sex).join(Person, Person.id == Act.victim_id)
            .where(Act.id.in_([act.id for act in chunk])))}
        for act in chunk:
            yield Unit(_text(act.year), _text(act.province), _text(sexes.get(act.id)),
                       (act.act_type,))
        on_scanned(len(chunk))


def case_units(session: Session, filters: Filters, *,
               on_scanned: Scanned = no_progress) -> Iterator[Unit]:
    from surplace.cases.models import Case

    for page in pages(session, Case, on_scanned=on_scanned):
        principals = sorted({case.principal_id for case in page if case.principal_id})
        clear = {str(pid): (sex, province) for pid, sex, province in session.execute(
            select(Person.id, Person.sex, Person.origin_province)
            .where(Person.id.in_(principals)))}
        types = documented_types(session, principals)
        for case in page:
            sex, province = clear.get(case.principal_id or "", (None, None))
            unit = _keep(Unit(str(case.opened_at.year), _text(province), _text(sex),
                              tuple(sorted(types.get(case.principal_id or "", ()))) or (NONE,)),
                         filters)
            if unit is not None:
                yield unit


def units(session: Session, of: Of, filters: Filters, *,
          on_scanned: Scanned = no_progress) -> Iterator[Unit]:
    if of is Of.persons:
        return person_units(session, filters, on_scanned=on_scanned)
    if of is Of.acts:
        return act_units(session, filters, on_scanned=on_scanned)
    return case_units(session, filters, on_scanned=on_scanned)


def tally(found: Iterable[Unit], dimensions: Sequence[str]
          ) -> tuple[Counter[tuple[str, ...]], list[set[str]]]:
    """Counts per key, and the categories seen in each dimension."""
    counts: Counter[tuple[str, ...]] = Counter()
    seen: list[set[str]] = [set() for _ in dimensions]
    for unit in found:
        for key in unit.keys(dimensions):
            counts[key] += 1
            for position, value in enumerate(key):
                seen[position].add(value)
    return counts, seen


def categories(dimension: str, of: Of, seen: set[str]) -> list[str]:
    """The fixed list of a dimension's categories, with anything seen outside it appended."""
    from surplace.incidents.vocabularies import terms as incident_terms
    from surplace.records.vocabularies import terms

    if dimension == "year":
        years = sorted(int(value) for value in seen if value.isdigit())
        fixed = [str(year) for year in range(years[0], years[-1] + 1)] if years else []
    elif dimension == "province":
        fixed = list(terms("province"))
    elif dimension == "sex":
        fixed = list(terms("sex"))
    else:
        fixed = list(incident_terms("act_type")) + ([] if of is Of.acts else [NONE])
    fixed.append(UNKNOWN)
    return fixed + sorted(seen - set(fixed))
