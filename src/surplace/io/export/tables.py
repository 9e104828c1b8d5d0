"""The standard aggregate tables the web application shows and publishes, by name.

Each is a count table of :mod:`~surplace.io.export.aggregates` (what is counted and how) under
the disclosure control of :mod:`~surplace.io.export.disclosure` (small cells and the cells that
would reveal them suppressed), at the default threshold: a page or an API answer never carries
an unprotected count, and no one chooses a lower threshold here (the command line's
``surplace export aggregate --threshold`` is for the analyst who answers for a file).

The filters narrow what is counted before the table is made, so each filtered table is
protected on its own: a period (a span of years), a province, an act type. A year outside the
period, like a unit whose year is unknown, is not counted when a period is given.

Tables with different filters are protected each on its own, as exports are: two overlapping
tables (two periods that differ by one year) can be subtracted from each other. Whoever
publishes tables for a wider audience chooses them with that in mind; the stored snapshots
(:mod:`~surplace.io.export.published`) say which filters each was made with.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy.orm import Session

from surplace.access.policy import Actor
from surplace.errors import InvalidInput
from surplace.incidents.vocabularies import check as check_act
from surplace.io.export import aggregates
from surplace.io.export.disclosure import DEFAULT_THRESHOLD, ProtectedTable, protect
from surplace.io.export.redaction import aggregate_scope
from surplace.io.export.schemas import Filters, Of
from surplace.records.vocabularies import check as check_record

#: The earliest and latest year a period may name, and its longest span (a table row per year).
FIRST_YEAR, LAST_YEAR, LONGEST_PERIOD = 1900, 2100, 100


@dataclass(frozen=True)
class TableSpec:
    """One standard table: what it counts and by which dimensions."""

    name: str
    of: Of
    by: tuple[str, ...]
    #: A short English description (the faces translate it).
    label: str


TABLES: dict[str, TableSpec] = {spec.name: spec for spec in (
    TableSpec("acts-by-year-type", Of.acts, ("year", "act_type"),
              "Documented acts by year and act type"),
    TableSpec("acts-by-province", Of.acts, ("province",),
              "Documented acts by province of the place"),
    TableSpec("acts-by-sex", Of.acts, ("sex",), "Documented acts by the victim's sex"),
    TableSpec("persons-by-year-province", Of.persons, ("year", "province"),
              "Linked persons by first year seen and province of origin"),
)}


def spec_of(name: str) -> TableSpec:
    """The table called ``name``; an unknown name is refused with the names there are."""
    spec = TABLES.get(name.strip().lower())
    if spec is None:
        raise InvalidInput(f"table: {name!r} is not one of {', '.join(TABLES)}.")
    return spec


@dataclass(frozen=True)
class TableQuery:
    """The filters of a table: a period (first and last year, each optional), a province and
    an act type (vocabulary terms)."""

    year_from: int | None = None
    year_to: int | None = None
    province: str | None = None
    act_type: str | None = None

    def checked(self) -> TableQuery:
        """The filters with the years bounded and ordered and the terms checked against the
        vocabularies (a typo gets a suggestion); each refusal names its field."""
        for name in ("year_from", "year_to"):
            value = getattr(self, name)
            if value is not None and not FIRST_YEAR <= value <= LAST_YEAR:
                raise InvalidInput(f"{name}: give a year from {FIRST_YEAR} to {LAST_YEAR}.")
        if self.year_from is not None and self.year_to is not None:
            if self.year_from > self.year_to:
                raise InvalidInput("year_to: the period ends before it starts.")
            if self.year_to - self.year_from >= LONGEST_PERIOD:
                raise InvalidInput(f"year_to: a period of at most {LONGEST_PERIOD} years.")
        province = None if self.province is None else check_record(
            "province", self.province.strip().upper(), field="province")
        act_type = None if self.act_type is None else check_act(
            "act_type", self.act_type.strip().lower(), field="act_type")
        return TableQuery(self.year_from, self.year_to, province, act_type)

    def given(self) -> dict[str, str]:
        """The filters that narrow the table, as text (stored with a published snapshot)."""
        return {key: str(value) for key, value in vars(self).items() if value is not None}

    def covers(self, year: str) -> bool:
        if self.year_from is None and self.year_to is None:
            return True
        if not year.isdigit():
            return False
        return ((self.year_from is None or int(year) >= self.year_from)
                and (self.year_to is None or int(year) <= self.year_to))


def _year_categories(query: TableQuery, seen: set[str], of: Of) -> list[str]:
    """Every year of the period, ends the query leaves open taken from the years seen."""
    if query.year_from is None and query.year_to is None:
        return aggregates.categories("year", of, seen)
    years = sorted(int(value) for value in seen if value.isdigit())
    first = query.year_from if query.year_from is not None else (years[0] if years else None)
    last = query.year_to if query.year_to is not None else (years[-1] if years else None)
    if first is None or last is None:
        return [str(query.year_from or query.year_to)]
    return [str(year) for year in range(first, last + 1)]


def build_table(session: Session, *, actor: Actor, name: str,
                query: TableQuery | None = None) -> tuple[TableSpec, TableQuery, ProtectedTable]:
    """The standard table ``name`` under ``query``'s filters, protected at the default
    threshold. Needs ``aggregate.read``. Returns the table's spec and the checked filters with
    it."""
    aggregate_scope(actor)
    spec = spec_of(name)
    wanted = (query or TableQuery()).checked()
    filters = Filters(province=wanted.province, act_type=wanted.act_type)
    if wanted.year_from is not None and wanted.year_from == wanted.year_to:
        filters = Filters(year=wanted.year_from, province=wanted.province,
                          act_type=wanted.act_type)
    found: Iterator[aggregates.Unit] = (
        unit for unit in aggregates.units(session, spec.of, filters) if wanted.covers(unit.year))
    counts, seen = aggregates.tally(found, spec.by)
    names = [_year_categories(wanted, found_here, spec.of) if dimension == "year"
             else aggregates.categories(dimension, spec.of, found_here)
             for dimension, found_here in zip(spec.by, seen, strict=True)]
    return spec, wanted, protect(counts, dimensions=spec.by, categories=names,
                                 threshold=DEFAULT_THRESHOLD)
