"""The hidden population of the demo: North Koreans in hiding in China, 1998–2025, truth known.

Why: an estimate of a hidden total can only be judged against the total, and no real total is
known — so the demo makes one up, with the shapes the published accounts describe, and keeps
every person's true story beside the lists that the organisations
(:mod:`surplace.demo.organisations`) write about them.

What is invented, what follows published accounts, what is neither
-------------------------------------------------------------------

Every person, name, date, place of hiding and number here is invented. No real person and no
real organisation is in the scenario: names are random draws from the linkage surname and
syllable tables (:mod:`surplace.linkage.tables`), places come from the gazetteer. The shapes
below follow, *in general terms only*, what NGO, UN and press reports describe; the numbers are
assumptions chosen to give those shapes, not measurements, and nothing computed from the demo
says anything about the real population.

- **Arrivals** (:data:`ARRIVALS`, relative weights by year). Assumed: highest in 1998–1999, at
  the end of the famine of the mid-1990s (1998 also stands for everyone who came in 1996–1997);
  falling through the crackdowns of the early 2000s; a plateau in 2003–2011; a drop from 2012,
  when the border was reportedly tightened; almost nothing in 2020–2022, when it was closed
  during the pandemic; a small rise after.
- **Who**: about three quarters women (:data:`WOMEN_SHARE`), as reports of the crossings since
  the late 1990s say; women aged mostly 18–35 on arrival, men a little older.
- **From where**: mostly North Hamgyong (KP-09) and Ryanggang (KP-10), then South Hamgyong
  (KP-08), North Pyongan (KP-03) and Chagang (KP-04) (:data:`ORIGINS`): the provinces along
  the Tumen and upper Yalu.
- **Where in China**: mostly Jilin (CN-JL), and there mostly the Yanbian prefecture; fewer in
  Liaoning (CN-LN, above all Dandong, more often for people from the western provinces) and
  Heilongjiang (CN-HL) (:data:`HIDING`).
- **Fates**: each year in hiding a person may move on to South Korea, to a third country, or be
  caught and forcibly returned (:data:`ERAS`, :data:`CRACKDOWNS`, :func:`hazards`). Assumed:
  many returns in the famine years, when the crossings were many and the people new to the
  country; departures to the South rising in the 2000s to a peak around 2009, falling after
  2012 and almost to nothing in 2020–2022; returns higher in the crackdown years (2001–2002,
  2007–2008, 2012–2014) and in 2023, when people held during the closure were reportedly sent
  back together. About one returned person in five crosses again later (a new stay). Whoever
  is left in 2025 is still hiding. With the default seed the number in hiding rises to a
  plateau in 2000–2011 and falls by about two fifths from 2012 to 2025; about half the
  people are returned at least once, more than a quarter reach the South.
- **Visibility** (:data:`VISIBILITY`): a latent class — ``hidden`` (e.g. a woman sold into
  a rural marriage, who meets nobody), ``ordinary``, ``exposed`` (working in a town, in church
  circles) — that makes some people far easier to document than others (heterogeneous capture,
  the reason simple capture–recapture fails), a little easier to catch and more likely to find
  a way out (:data:`CAUGHT_BY_CLASS`, :data:`LEAVES_BY_CLASS`). More women than men are
  assumed to be hidden.

Everything is seeded: the same size and seed give the same people.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from surplace.linkage.simulate import Person as Identity
from surplace.linkage.simulate import place_spellings
from surplace.linkage.tables import Surname, surname_table, syllable_table
from surplace.records.gazetteer_data import PlaceEntry, load_gazetteer

FIRST_YEAR, LAST_YEAR = 1998, 2025
YEARS = range(FIRST_YEAR, LAST_YEAR + 1)
DEFAULT_SIZE = 3000
#: Relative number of arrivals by year (an assumption: see the module docstring).
ARRIVALS: dict[int, float] = dict(zip(YEARS, (
    18.0, 10.0, 5.5, 4.5, 4.0, 3.6, 3.4, 3.2, 3.2, 3.0,  # 1998–2007
    2.7, 2.8, 2.6, 2.4, 1.4, 1.2, 1.1, 1.0, 1.0, 0.9,  # 2008–2017
    0.9, 0.9, 0.15, 0.05, 0.05, 0.2, 0.3, 0.3,  # 2018–2025
), strict=True))
WOMEN_SHARE = 0.76
#: Province of origin (ISO 3166-2) and its share.
ORIGINS = {"KP-09": 0.42, "KP-10": 0.24, "KP-08": 0.14, "KP-03": 0.12, "KP-04": 0.08}
#: Province of hiding by province of origin: the western provinces cross the Yalu to Liaoning.
HIDING = {"east": {"CN-JL": 0.78, "CN-LN": 0.10, "CN-HL": 0.12},
          "west": {"CN-JL": 0.35, "CN-LN": 0.55, "CN-HL": 0.10}}
WEST = frozenset({"KP-03", "KP-04"})
#: Places of hiding (gazetteer codes) and weights: in Jilin mostly the Yanbian prefecture.
PLACES = {
    "CN-JL": {"CN-JL-yanji": 16, "CN-JL-longjing": 8, "CN-JL-tumen": 8, "CN-JL-helong": 7,
              "CN-JL-hunchun": 7, "CN-JL-antu": 4, "CN-JL-wangqing": 5, "CN-JL-dunhua": 5,
              "CN-JL-sanhe": 2, "CN-JL-kaishantun": 2, "CN-JL-nanping": 2,  # Yanbian: 66
              "CN-JL-changchun": 4, "CN-JL-baishan": 3, "CN-JL-changbai": 4,
              "CN-JL-linjiang": 3, "CN-JL-tonghua": 3, "CN-JL-jian": 3},
    "CN-LN": {"CN-LN-dandong": 8, "CN-LN-kuandian": 3, "CN-LN-shenyang": 6, "CN-LN-dalian": 3},
    "CN-HL": {"CN-HL-harbin": 6, "CN-HL-mudanjiang": 4},
}
YANBIAN = frozenset({"CN-JL-yanji", "CN-JL-longjing", "CN-JL-tumen", "CN-JL-helong",
                     "CN-JL-hunchun", "CN-JL-antu", "CN-JL-wangqing", "CN-JL-dunhua",
                     "CN-JL-sanhe", "CN-JL-kaishantun", "CN-JL-nanping"})
#: Visibility class → share among women, among men.
VISIBILITY = {"hidden": (0.50, 0.30), "ordinary": (0.38, 0.45), "exposed": (0.12, 0.25)}
#: How much more (or less) often a class is caught than ``ordinary``, and moves on.
CAUGHT_BY_CLASS = {"hidden": 0.7, "ordinary": 1.0, "exposed": 1.4}
LEAVES_BY_CLASS = {"hidden": 0.6, "ordinary": 1.0, "exposed": 1.3}
RECROSS_SHARE = 0.2
MAX_STAYS = 3
FATES = ("hiding", "south", "third", "returned")


@dataclass(frozen=True)
class Stay:
    """One stretch in China: ``arrival`` to ``end`` (both years in China), ended by ``fate``
    (``hiding`` when the person is still there at the end of :data:`LAST_YEAR`)."""

    arrival: int
    province: str  # ISO 3166-2
    place: str  # gazetteer code
    end: int
    fate: str

    @property
    def years(self) -> range:
        return range(self.arrival, self.end + 1)


@dataclass(frozen=True)
class Person:
    """A synthetic person and their true story. ``identity`` is the linkage simulator's person
    (name in every script, birth, home place spellings), whose writers the lists use."""

    id: str
    identity: Identity
    sex: str  # "F" or "M"
    birth: date
    origin_province: str
    origin_place: str  # gazetteer code
    visibility: str
    stays: tuple[Stay, ...]

    @property
    def fate(self) -> str:
        """Where the person is at the end of the scenario (the last stay's fate)."""
        return self.stays[-1].fate

    def stay_in(self, year: int) -> Stay | None:
        """The stay covering ``year`` (stays never share a year)."""
        return next((stay for stay in self.stays if stay.arrival <= year <= stay.end), None)

    def history(self) -> list[tuple[int, str]]:
        """(year, event) in order: ``arrived:<province>``, then each stay's end."""
        events = []
        for stay in self.stays:
            events.append((stay.arrival, f"arrived:{stay.province}"))
            if stay.fate != "hiding":
                events.append((stay.end, stay.fate))
        return events


@dataclass(frozen=True)
class Population:
    seed: int
    persons: tuple[Person, ...]

    def arrivals(self) -> Counter[int]:
        """Arrivals (every stay's first year) by year."""
        return Counter(stay.arrival for person in self.persons for stay in person.stays)


#: Yearly chance, for a person of ``ordinary`` visibility in hiding, of each fate, by era:
#: (first year of the era, to the South, to a third country, caught and returned).
ERAS = ((1998, 0.010, 0.008, 0.17), (2002, 0.035, 0.008, 0.17), (2003, 0.035, 0.008, 0.08),
        (2006, 0.070, 0.008, 0.05), (2012, 0.045, 0.008, 0.04), (2020, 0.005, 0.003, 0.01),
        (2023, 0.015, 0.008, 0.12), (2024, 0.015, 0.008, 0.04))
#: Crackdown years: returns this many times the era's.
CRACKDOWNS = {2001: 1.6, 2002: 1.6, 2007: 1.4, 2008: 1.4, 2012: 1.4, 2013: 1.4, 2014: 1.4}


def hazards(year: int, visibility: str) -> dict[str, float]:
    """Yearly chance that a person in hiding moves to the South, to a third country, or is
    caught and returned (assumptions; see the module docstring)."""
    _, south, third, caught = next(era for era in reversed(ERAS) if year >= era[0])
    leaves = LEAVES_BY_CLASS[visibility]
    return {"south": south * leaves, "third": third * leaves,
            "returned": caught * CRACKDOWNS.get(year, 1.0) * CAUGHT_BY_CLASS[visibility]}


@cache
def places() -> dict[str, PlaceEntry]:
    """The gazetteer's places by code."""
    return {place.code: place for place in load_gazetteer().places}


@cache
def _home_places() -> dict[str, tuple[PlaceEntry, ...]]:
    """Places people come from, by origin province: the gazetteer's towns, counties, cities."""
    return {province: tuple(p for p in load_gazetteer().places
                            if p.province == province and p.level in ("city", "county", "town"))
            for province in ORIGINS}


def _pick(rng: random.Random, table: dict[str, float] | dict[str, int]) -> str:
    return rng.choices(list(table), list(table.values()))[0]


@cache
def _name_tables() -> tuple[tuple[Surname, ...], tuple[float, ...],
                            tuple[tuple[str, tuple[str, ...]], ...], tuple[float, ...]]:
    surnames, syllables = surname_table(), tuple(syllable_table().items())
    return (surnames, tuple(1 / (r + 1) ** 1.1 for r in range(len(surnames))),
            syllables, tuple(1 / (r + 1) ** 0.4 for r in range(len(syllables))))


def _name(rng: random.Random) -> tuple[Surname, str, str]:
    """A name drawn from the linkage tables: common surnames and syllables more often (Zipf-like
    weights, as the linkage simulator draws them), so a name is a draw, never a record."""
    surnames, surname_weights, syllables, syllable_weights = _name_tables()
    surname = rng.choices(surnames, surname_weights)[0]
    parts = rng.choices(syllables, syllable_weights, k=1 if rng.random() < 0.1 else 2)
    hanja = surname.hanja[0] + "".join(rng.choice(chars[:2]) for _, chars in parts)
    return surname, "".join(syllable for syllable, _ in parts), hanja


def _stay(rng: random.Random, arrival: int, origin: str, visibility: str) -> Stay:
    province = _pick(rng, HIDING["west" if origin in WEST else "east"])
    place = _pick(rng, PLACES[province])
    for year in range(arrival, LAST_YEAR + 1):
        # A person arriving during a year is exposed to its risks for about half of it.
        scale = 0.5 if year == arrival else 1.0
        for fate, chance in hazards(year, visibility).items():
            if rng.random() < chance * scale:
                return Stay(arrival, province, place, year, fate)
    return Stay(arrival, province, place, LAST_YEAR, "hiding")


def _person(number: int, rng: random.Random) -> Person:
    sex = "F" if rng.random() < WOMEN_SHARE else "M"
    arrival = rng.choices(list(ARRIVALS), list(ARRIVALS.values()))[0]
    age = round(rng.triangular(15, 45, 24) if sex == "F" else rng.triangular(16, 55, 30))
    born = date(arrival - age, 1, 1) + timedelta(days=rng.randrange(365))
    origin = _pick(rng, ORIGINS)
    homes = _home_places()[origin]
    home = rng.choice(homes)
    visibility = rng.choices(list(VISIBILITY),
                             [shares[sex == "M"] for shares in VISIBILITY.values()])[0]
    stays = [_stay(rng, arrival, origin, visibility)]
    while (stays[-1].fate == "returned" and len(stays) < MAX_STAYS
           and rng.random() < RECROSS_SHARE):
        again = stays[-1].end + rng.randint(1, 3)
        if again > LAST_YEAR:
            break
        stays.append(_stay(rng, again, origin, visibility))
    surname, given, hanja = _name(rng)
    identity = Identity(
        id=f"D{number:06d}", surname=surname, given=given, hanja=hanja, sex=sex.lower(),
        birth=(born.year, born.month, born.day), origin=place_spellings(home),
        moved_from=place_spellings(rng.choice(homes)), visibility=1.0)
    return Person(id=identity.id, identity=identity, sex=sex, birth=born,
                  origin_province=origin, origin_place=home.code, visibility=visibility,
                  stays=tuple(stays))


def simulate_population(size: int = DEFAULT_SIZE, *, seed: int = 1) -> Population:
    """``size`` persons who came to China between :data:`FIRST_YEAR` and :data:`LAST_YEAR`,
    each with their stays and fates (seeded: the same arguments give the same people)."""
    if size < 1:
        raise ValueError(f"A population needs at least one person (size={size}).")
    rng = random.Random(seed)  # noqa: S311 - a reproducible scenario, not a secret
    return Population(seed=seed, persons=tuple(_person(n, rng) for n in range(size)))


def check_places() -> None:
    """Every place code of :data:`PLACES` is in the gazetteer, in its province (a renamed code
    would otherwise fail deep inside a simulation)."""
    known = places()
    for province, table in PLACES.items():
        for code in table:
            if code not in known or known[code].province != province:
                raise ValueError(f"PLACES: {code!r} is not a gazetteer place of {province}.")
