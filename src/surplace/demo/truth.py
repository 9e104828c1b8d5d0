"""The demo scenario and its truth: the lists, who is behind every record, the real totals.

:func:`build` makes a :class:`Scenario` — the hidden population
(:mod:`surplace.demo.population`) and what each organisation (:mod:`surplace.demo.organisations`)
wrote about it — and the functions here compute from its truth what a pipeline's results are
judged against:

- :func:`true_totals`: how many people were in hiding, by stratum. A person counts in year *y*
  and province *p* when one of their stays covers *y* in *p* (arrived that year or before, left
  that year or after); in a period when they were there in any of its years. This is the
  population every list's records of that year and province are drawn from, so it is the number
  a capture–recapture estimate for the stratum estimates.
- :func:`true_histories`: for everyone in each stratum, the organisations that documented them
  there (one 0/1 column per organisation, a ``count`` column) — the unseen included, as the
  all-zero pattern only the truth knows;
- :func:`observed_histories` / :func:`observed_strata`: the same without the unseen: what a
  perfect linkage would give the estimators (``surplace.estimation``), so that the error of an
  estimate can be split into the linkage's and the model's;
- :func:`summary`: the counts a demo prints (people, records per organisation, documented).
- :func:`reachable`: how many people in each stratum at most one organisation *could* have
  documented there (by what it sees, where and when it works, whatever its chance): a
  capture–recapture estimate cannot see them, which is what explains an interval that misses.

Stratum keys are tuples of the ``by`` values (year as ``int``, period and province as ``str``);
:func:`stratum_label` spells them as ``surplace.estimation`` labels its strata.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pandas as pd

from surplace.demo.organisations import (
    ORGANISATIONS,
    Organisation,
    Records,
    Sighting,
    document,
)
from surplace.demo.population import DEFAULT_SIZE, Person, Population, simulate_population
from surplace.estimation.histories import (
    CaptureHistories,
    Strata,
    histories_from_frame,
    strata_from_frame,
)

DEFAULT_SEED = 1
#: Periods for coarser strata (label, first year, last year): famine and crackdowns, the
#: plateau, the years of most departures to the South, the tighter border, the closure.
PERIODS: tuple[tuple[str, int, int], ...] = (
    ("1998-2001", 1998, 2001), ("2002-2006", 2002, 2006), ("2007-2011", 2007, 2011),
    ("2012-2019", 2012, 2019), ("2020-2025", 2020, 2025))
DIMENSIONS = ("year", "period", "province")
Key = tuple[int | str, ...]


@dataclass(frozen=True)
class Scenario:
    """The organisations' records and the truth behind them."""

    seed: int
    population: Population
    organisations: tuple[Organisation, ...]
    records: Records  # organisation code → record dicts (organisations.RECORD_KEYS)
    truth: dict[str, Sighting]  # record id → the person and event behind it

    @cached_property
    def persons(self) -> dict[str, Person]:
        return {person.id: person for person in self.population.persons}

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(org.code for org in self.organisations)

    def organisation(self, code: str) -> Organisation:
        for org in self.organisations:
            if org.code == code:
                return org
        raise KeyError(f"No organisation {code!r} in the scenario ({', '.join(self.codes)}).")

    def person_of(self, record_id: str) -> Person:
        """The true person behind a record."""
        return self.persons[self.truth[record_id].person]

    def file_rows(self, code: str) -> list[dict[str, Any]]:
        """The organisation's records keyed by its own column names, ready for a file writer
        (values as written; ``None`` for an empty cell)."""
        columns = self.organisation(code).columns
        return [{column: record[key] for key, column in columns.items()}
                for record in self.records[code]]


def build(size: int = DEFAULT_SIZE, *, seed: int = DEFAULT_SEED,
          organisations: tuple[Organisation, ...] = ORGANISATIONS) -> Scenario:
    """A population of ``size`` and what ``organisations`` wrote about it (seeded)."""
    population = simulate_population(size, seed=seed)
    records, truth = document(population, organisations, seed=seed)
    return Scenario(seed=seed, population=population, organisations=organisations,
                    records=records, truth=truth)


def _period(year: int, periods: Sequence[tuple[str, int, int]]) -> str:
    for label, first, last in periods:
        if first <= year <= last:
            return label
    raise ValueError(f"Year {year} is in none of the periods.")


def _key(year: int, province: str, by: Sequence[str],
         periods: Sequence[tuple[str, int, int]]) -> Key:
    values: dict[str, int | str] = {"year": year, "province": province}
    if "period" in by:
        values["period"] = _period(year, periods)
    return tuple(values[dimension] for dimension in by)


def _check(by: Sequence[str]) -> None:
    unknown = [dimension for dimension in by if dimension not in DIMENSIONS]
    if unknown or len(set(by)) != len(by):
        raise ValueError(f"Strata by {list(by)}: each must be one of {', '.join(DIMENSIONS)}, "
                         "once.")


def _present(person: Person, by: Sequence[str],
             periods: Sequence[tuple[str, int, int]]) -> set[Key]:
    return {_key(year, stay.province, by, periods) for stay in person.stays
            for year in stay.years}


def true_totals(population: Population | Scenario, *, by: Sequence[str] = ("year", "province"),
                periods: Sequence[tuple[str, int, int]] = PERIODS) -> dict[Key, int]:
    """People in hiding by stratum (``by``: any of year, period, province; ``()`` counts
    everyone who was ever in hiding)."""
    _check(by)
    people = population.population if isinstance(population, Scenario) else population
    counts: Counter[Key] = Counter()
    for person in people.persons:
        counts.update(_present(person, by, periods))
    return dict(sorted(counts.items()))


def _patterns(scenario: Scenario, by: Sequence[str],
              periods: Sequence[tuple[str, int, int]]) -> Iterator[tuple[Key, tuple[int, ...]]]:
    seen: dict[tuple[str, Key], set[str]] = defaultdict(set)
    for sighting in scenario.truth.values():
        key = _key(sighting.year, sighting.province, by, periods)
        seen[(sighting.person, key)].add(sighting.organisation)
    for person in scenario.population.persons:
        for key in _present(person, by, periods):
            lists = seen.get((person.id, key), set())
            yield key, tuple(int(code in lists) for code in scenario.codes)


def true_histories(scenario: Scenario, *, by: Sequence[str] = (),
                   periods: Sequence[tuple[str, int, int]] = PERIODS,
                   unseen: bool = True) -> pd.DataFrame:
    """Counts of people by stratum and capture pattern: columns ``by``, one 0/1 column per
    organisation code, ``count``. With ``unseen`` the all-zero pattern (the people no list
    saw) is included, as only the truth can."""
    _check(by)
    counts = Counter(_patterns(scenario, by, periods))
    rows = [(*key, *pattern, count) for (key, pattern), count in sorted(counts.items())
            if unseen or any(pattern)]
    return pd.DataFrame(rows, columns=[*by, *scenario.codes, "count"])


def observed_histories(scenario: Scenario, *, by: Sequence[str] = (),
                       periods: Sequence[tuple[str, int, int]] = PERIODS) -> pd.DataFrame:
    """What a perfect linkage of the lists would give: :func:`true_histories` without the
    unseen."""
    return true_histories(scenario, by=by, periods=periods, unseen=False)


def observed_strata(scenario: Scenario, *, by: Sequence[str] = ("year", "province"),
                    lists: Sequence[str] | None = None,
                    periods: Sequence[tuple[str, int, int]] = PERIODS,
                    ) -> Strata | CaptureHistories:
    """:func:`observed_histories` as the estimators' input: :class:`Strata` when ``by`` names
    strata, one :class:`CaptureHistories` when it is empty. ``lists`` picks organisations."""
    frame = observed_histories(scenario, by=by, periods=periods)
    if not by:
        return histories_from_frame(frame, lists=lists, count_column="count")
    return strata_from_frame(frame.astype(dict.fromkeys(by, str)), strata=list(by),
                             lists=lists, count_column="count")


def stratum_label(by: Sequence[str], key: Iterable[int | str]) -> str:
    """A stratum key spelt as ``surplace.estimation`` labels strata: ``year=2003,
    province=CN-JL``."""
    return ", ".join(f"{dimension}={value}" for dimension, value in
                     zip(by, key, strict=True))


def odds_ratio(frame: pd.DataFrame, first: str, second: str) -> float:
    """Odds ratio of being on ``first`` and on ``second`` in a histories table with the unseen
    (:func:`true_histories`): above 1 the lists are positively dependent, below 1 negatively.
    A zero cell gets the Haldane–Anscombe correction (0.5 added to every cell)."""
    cells = Counter[tuple[int, int]]()
    for a, b, count in zip(frame[first], frame[second], frame["count"], strict=True):
        cells[(int(a), int(b))] += int(count)
    both, only_a, only_b, neither = (cells[(1, 1)], cells[(1, 0)], cells[(0, 1)],
                                     cells[(0, 0)])
    if 0 in (both, only_a, only_b, neither):
        return ((both + 0.5) * (neither + 0.5)) / ((only_a + 0.5) * (only_b + 0.5))
    return (both * neither) / (only_a * only_b)


def summary(scenario: Scenario) -> dict[str, Any]:
    """Counts a demo prints beside its results (no identities): people, records per
    organisation, how many people some list documented and how many none did."""
    documented = {sighting.person for sighting in scenario.truth.values()}
    return {"seed": scenario.seed, "persons": len(scenario.population.persons),
            "records": {code: len(rows) for code, rows in scenario.records.items()},
            "documented": len(documented),
            "undocumented": len(scenario.population.persons) - len(documented)}


def reachable(scenario: Scenario, *, by: Sequence[str] = ("period", "province"),
              periods: Sequence[tuple[str, int, int]] = PERIODS) -> dict[Key, int]:
    """People in hiding by stratum whom at most one organisation could have documented there:
    no list, or a single one, works where and when they hid and sees what happened to them
    (a stay's end is seen only by the lists of that fate). Counts only."""
    _check(by)
    could: dict[tuple[str, Key], set[str]] = defaultdict(set)
    for person in scenario.population.persons:
        for stay in person.stays:
            for year in stay.years:
                key = _key(year, stay.province, by, periods)
                ending = year == stay.end and stay.fate != "hiding"
                events = ("hiding", stay.fate) if ending else ("hiding",)
                could[(person.id, key)].update(
                    org.code for org in scenario.organisations for event in events
                    if org.can_see(event, year, stay.province))
    counts: Counter[Key] = Counter(key for (_, key), codes in could.items() if len(codes) < 2)
    return dict(sorted(counts.items()))
