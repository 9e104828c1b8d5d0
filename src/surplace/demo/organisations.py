"""The organisations that document the hidden population, and the lists they write.

Seven synthetic organisations (generic names: no real organisation is meant) each see a
different slice of the population of :mod:`surplace.demo.population`, and see it unevenly:

- what they *can* see: provinces, years of activity (with eras of more or less work), and which
  events — ``hiding`` (a person-year in China: a shelter stay, a call), or a stay's end
  (``south``, ``third``, ``returned``): the registry sees only those who reached the South,
  the detention reports and the informants only those caught and returned;
- how likely they are to document what they can see: a base chance, times the person's
  visibility class (heterogeneous capture), times the person's eventual fate (the shelter
  protects, so those caught were less often sheltered; the hotline helps people leave, so those
  who reached the South were more often callers — dependence that runs through the fates),
  times a factor when an organisation earlier in :data:`ORGANISATIONS` has already documented
  the person during the same stay (the shelter refers people to the hotline; the hotline
  refers those it helped to the testimony archive: positive dependence);
- who can see the people who stay in hiding: four of the lists see a person only when a stay
  ends (reaching the South or a third country, being caught), so the people still hiding at
  the end of a period are seen only by the organisations that meet them in hiding — the
  shelter network (Jilin and Liaoning only), the hotline and the clinic network. With only one
  such list in Heilongjiang, or one active in a period, that group is reachable by one list and
  no capture–recapture estimate can see it (the estimates fell short of the truth by about its
  size); with the clinic network every group in every stratum can be met by two lists or more;
- how they write: each follows one of the conventions of :mod:`surplace.linkage.simulate`
  (scripts, romanisations, partial dates, ages, typos), through its public writers, with its
  own missing fields, sex labels and duplicates (the same event written twice);
- their file: a format label (``csv``, ``xlsx``, ``kobo``, ``odk``, ``hxl``), an encoding, and
  the column each field goes in. :mod:`surplace.demo.formats` writes the files.

Why the dependence is modelled as a factor on the chance to document rather than as a cause of
the fate: the population is simulated first and kept apart from the lists (so that its truth
does not depend on who documents it); conditioning on the fate gives the same joint
distribution of lists and fates as a causal model would.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Any

from surplace.demo.population import Person, Population, Stay, places
from surplace.linkage.simulate import (
    LISTS,
    place_spellings,
    write_date,
    write_place,
    write_record,
)
from surplace.records.gazetteer_data import load_gazetteer
from surplace.records.vocabularies import terms

#: Every key a record dict has (None when the organisation does not collect it or left it
#: empty). The first six are the payload keys linkage reads.
RECORD_KEYS = ("record_id", "source", "name", "family_name", "given_name", "sex", "birth",
               "origin", "event_date", "event_year", "event_place", "event_province")
EVENTS = ("hiding", "south", "third", "returned")
ALL_PROVINCES = frozenset({"CN-JL", "CN-LN", "CN-HL"})
MAX_CHANCE = 0.95


@dataclass(frozen=True)
class Organisation:
    """A documenting organisation: what it sees, how likely, how it writes, what file it sends."""

    code: str  # the source code (records.sources rules: upper case, no names)
    name: str
    kind: str  # source_kind vocabulary: organisation, list, informant
    reliability: str  # Admiralty grade of the source
    convention: str  # a list of linkage.simulate whose writing conventions it follows
    file_format: str  # csv, xlsx, kobo, odk, hxl
    columns: Mapping[str, str]  # record key → the column it is written in
    events: frozenset[str]
    provinces: frozenset[str]
    eras: tuple[tuple[int, float], ...]  # (from year, intensity); 0 or before the first: idle
    base: float
    visibility: Mapping[str, float]  # class → factor (missing: 1)
    fate_effect: Mapping[str, float] = field(default_factory=dict)  # stay fate → factor
    depends_on: Mapping[str, float] = field(default_factory=dict)  # earlier code → factor
    duplicate_share: float = 0.0
    missing: Mapping[str, float] = field(default_factory=dict)  # record key → extra share
    id_style: str = "prefix"  # "prefix" (<PREFIX>-000123) or "uuid"
    id_prefix: str = ""
    sex_labels: Mapping[str, str] = field(default_factory=lambda: {"F": "F", "M": "M"})
    province_as_code: bool = False  # forms with a select list write the ISO code
    encoding: str = "utf-8"
    date_order: str = "ymd"  # how its ambiguous day/month dates read (for import mappings)
    language: str = "en"

    def intensity(self, year: int) -> float:
        """How active the organisation is in ``year`` (0 before it started)."""
        level = 0.0
        for start, value in self.eras:
            if year >= start:
                level = value
        return level

    def can_see(self, event: str, year: int, province: str) -> bool:
        return (event in self.events and province in self.provinces
                and self.intensity(year) > 0)

    def chance(self, person: Person, stay: Stay, year: int, seen: set[str]) -> float:
        """Probability of documenting ``person`` in ``year`` of ``stay`` (``seen``: the codes
        that documented them earlier in the stay or earlier this year)."""
        chance = self.base * self.intensity(year) * self.visibility.get(person.visibility, 1.0)
        chance *= self.fate_effect.get(stay.fate, 1.0)
        for code, factor in self.depends_on.items():
            if code in seen:
                chance *= factor
        return min(MAX_CHANCE, chance)


ORGANISATIONS: tuple[Organisation, ...] = (
    Organisation(
        code="SYN-SHELTER-NET", name="Synthetic church shelter network", kind="organisation",
        reliability="B", convention="shelter", file_format="xlsx",
        columns={"record_id": "CASE NO", "name": "NAME", "sex": "SEX", "birth": "D.O.B.",
                 "origin": "HOMETOWN (NK)", "event_date": "DATE ADMITTED",
                 "event_place": "SHELTER AREA", "event_province": "PROVINCE"},
        events=frozenset({"hiding"}), provinces=frozenset({"CN-JL", "CN-LN"}),
        eras=((1998, 1.0), (2012, 0.6), (2018, 0.35)), base=0.10,
        visibility={"hidden": 0.3, "ordinary": 1.0, "exposed": 2.5},
        fate_effect={"returned": 0.5}, duplicate_share=0.04,
        missing={"event_place": 0.05, "origin": 0.1}, id_prefix="CSN", date_order="dmy"),
    Organisation(
        code="SYN-HOTLINE", name="Synthetic NGO hotline", kind="organisation", reliability="C",
        convention="hotline", file_format="kobo",
        columns={"record_id": "_uuid", "name": "caller/name", "sex": "caller/sex",
                 "birth": "caller/birth", "origin": "caller/hometown", "event_date": "call/date",
                 "event_place": "call/location", "event_province": "call/province"},
        events=frozenset({"hiding"}), provinces=ALL_PROVINCES,
        eras=((2003, 1.0), (2020, 0.7)), base=0.07,
        visibility={"hidden": 0.4, "ordinary": 1.0, "exposed": 2.0},
        fate_effect={"south": 1.8, "returned": 0.8}, depends_on={"SYN-SHELTER-NET": 2.5},
        duplicate_share=0.08, missing={"birth": 0.25, "origin": 0.2, "event_place": 0.15},
        id_style="uuid", sex_labels={"F": "female", "M": "male"}, province_as_code=True),
    Organisation(
        code="SYN-DETENTION", name="Synthetic border detention reports", kind="list",
        reliability="B", convention="police", file_format="csv",
        columns={"record_id": "编号", "name": "姓名", "sex": "性别", "birth": "出生日期",
                 "origin": "籍贯", "event_date": "抓获日期", "event_place": "抓获地点",
                 "event_province": "省份"},
        events=frozenset({"returned"}), provinces=ALL_PROVINCES, eras=((1998, 1.0),),
        base=0.45, visibility={}, duplicate_share=0.03, missing={"origin": 0.3},
        id_prefix="BDR", sex_labels={"F": "女", "M": "男"}, encoding="gb18030", language="zh"),
    Organisation(
        code="SYN-REGISTRY", name="Synthetic resettlement registry", kind="list",
        reliability="A", convention="registry", file_format="csv",
        columns={"record_id": "관리번호", "family_name": "성", "given_name": "이름",
                 "sex": "성별", "birth": "생년월일", "origin": "출신지", "event_year": "입국연도",
                 "event_province": "체류지역"},
        events=frozenset({"south"}), provinces=ALL_PROVINCES, eras=((1998, 1.0),), base=0.8,
        visibility={}, duplicate_share=0.005, id_prefix="RR",
        sex_labels={"F": "여", "M": "남"}, encoding="cp949", language="ko"),
    Organisation(
        code="SYN-TESTIMONY", name="Synthetic testimony archive", kind="organisation",
        reliability="B", convention="hotline", file_format="hxl",
        columns={"record_id": "Testimony ID", "name": "Name", "sex": "Sex",
                 "birth": "Date of birth", "origin": "Home county",
                 "event_year": "Year left China", "event_province": "Province in China"},
        events=frozenset({"south", "third"}), provinces=ALL_PROVINCES, eras=((2006, 1.0),),
        base=0.25, visibility={"hidden": 0.6, "exposed": 1.5},
        depends_on={"SYN-HOTLINE": 2.5}, duplicate_share=0.02, missing={"birth": 0.1},
        id_prefix="TA", province_as_code=True),
    Organisation(
        code="SYN-BORDER-NET", name="Synthetic cross-border informant network",
        kind="informant", reliability="D", convention="informant", file_format="odk",
        columns={"record_id": "KEY", "name": "person-name", "sex": "person-sex",
                 "birth": "person-age", "origin": "person-home", "event_date": "return-date",
                 "event_province": "return-province"},
        events=frozenset({"returned"}), provinces=ALL_PROVINCES, eras=((2004, 1.0),),
        base=0.3, visibility={"hidden": 0.8, "exposed": 1.2}, duplicate_share=0.06,
        missing={"event_province": 0.15}, id_style="uuid", sex_labels={"F": "여", "M": "남"},
        province_as_code=True, language="ko"),
    Organisation(
        code="SYN-CLINIC", name="Synthetic underground clinic network", kind="organisation",
        reliability="C", convention="hotline", file_format="csv",
        columns={"record_id": "진료번호", "name": "이름", "sex": "성별", "birth": "생년월일",
                 "origin": "고향", "event_date": "진료일", "event_place": "진료 지역",
                 "event_province": "성"},
        events=frozenset({"hiding"}), provinces=ALL_PROVINCES, eras=((1999, 1.0),), base=0.06,
        visibility={"hidden": 0.6, "exposed": 1.5}, duplicate_share=0.03,
        missing={"birth": 0.2, "origin": 0.15, "event_place": 0.1}, id_prefix="CL",
        sex_labels={"F": "여", "M": "남"}, language="ko"),
)


@dataclass(frozen=True)
class Sighting:
    """The truth behind one record: who, what event, which year and province."""

    record_id: str
    organisation: str
    person: str
    event: str
    year: int
    province: str
    duplicate: bool  # the second writing of an event this organisation already recorded


def check(organisations: tuple[Organisation, ...]) -> None:
    """Refuse a set of organisations that cannot be simulated, naming the field."""
    codes: list[str] = []
    for org in organisations:
        where = f"organisation {org.code}"
        if org.code in codes:
            raise ValueError(f"{where}: code used twice.")
        if org.convention not in LISTS:
            raise ValueError(f"{where}: convention must be one of {', '.join(LISTS)}.")
        if not org.events <= set(EVENTS):
            raise ValueError(f"{where}: events must be among {', '.join(EVENTS)}.")
        for code in org.depends_on:
            if code not in codes:
                raise ValueError(f"{where}: depends_on {code!r} must come earlier in the list.")
        unknown = set(org.columns) - set(RECORD_KEYS)
        if unknown:
            raise ValueError(f"{where}: columns for unknown keys {sorted(unknown)}.")
        codes.append(org.code)


@cache
def province_spellings(code: str) -> tuple[str, ...]:
    """The names a province answers to (vocabulary names and gazetteer aliases)."""
    names = tuple(terms("province")[code][language] for language in ("en", "ko", "zh"))
    return names + tuple(load_gazetteer().province_aliases.get(code, ()))


@cache
def _spellings(code: str) -> tuple[str, ...]:
    return place_spellings(places()[code])


@cache
def _nearby(province: str) -> tuple[str, ...]:
    """Cities and counties of a province: where an event away from home happens."""
    return tuple(code for code, place in places().items()
                 if place.province == province and place.level in ("city", "county"))


def _event_day(year: int, rng: random.Random) -> date:
    return date(year, 1, 1) + timedelta(days=rng.randrange(365))


def _record_id(org: Organisation, number: int, rng: random.Random) -> str:
    if org.id_style == "uuid":
        text = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        return f"uuid:{text}" if org.file_format == "odk" else text
    return f"{org.id_prefix}-{number:06d}"


def write(org: Organisation, person: Person, stay: Stay, year: int, record_id: str,
          rng: random.Random) -> dict[str, Any]:
    """One record of ``person`` as ``org`` writes an event of ``year`` during ``stay``."""
    written = write_record(person.identity, org.convention, rng, recorded_in=year)
    record: dict[str, Any] = dict.fromkeys(RECORD_KEYS)
    record.update({key: written.get(key) for key in ("name", "family_name", "given_name",
                                                     "birth", "origin")})
    record["sex"] = org.sex_labels.get(written["sex"] or "", None)
    record["event_date"] = write_date(_event_day(year, rng), org.convention, rng)
    record["event_year"] = year
    # Most events happen where the person lives; some in another place of the province.
    home = stay.place if rng.random() < 0.85 else rng.choice(_nearby(stay.province))
    record["event_place"] = write_place(_spellings(home), org.convention, rng)
    record["event_province"] = stay.province if org.province_as_code else write_place(
        province_spellings(stay.province), org.convention, rng)
    for key, share in org.missing.items():
        if rng.random() < share:
            record[key] = None
    kept = {key: record[key] for key in org.columns}
    return {**dict.fromkeys(RECORD_KEYS), **kept, "record_id": record_id, "source": org.code}


Records = dict[str, list[dict[str, Any]]]


def document(population: Population,
             organisations: tuple[Organisation, ...] = ORGANISATIONS, *,
             seed: int) -> tuple[Records, dict[str, Sighting]]:
    """Every organisation's records (by code, in the order of their event years) and the truth
    behind each record (by record id).

    Who is documented is drawn from one random stream and how each organisation writes from
    its own, so changing one organisation's conventions changes only its own spellings."""
    check(organisations)
    rng = random.Random(f"{seed}:documented")  # noqa: S311 - a scenario, not a secret
    writers = {org.code: random.Random(f"{seed}:{org.code}")  # noqa: S311 - same
               for org in organisations}
    numbered = dict.fromkeys(writers, 0)
    records: Records = {org.code: [] for org in organisations}
    truth: dict[str, Sighting] = {}
    for person in population.persons:
        for stay in person.stays:
            seen: set[str] = set()
            for year in stay.years:
                ending = year == stay.end and stay.fate != "hiding"
                for event in ("hiding", stay.fate) if ending else ("hiding",):
                    for org in organisations:
                        if not org.can_see(event, year, stay.province) or \
                                rng.random() >= org.chance(person, stay, year, seen):
                            continue
                        seen.add(org.code)
                        writer = writers[org.code]
                        for copy in range(2 if rng.random() < org.duplicate_share else 1):
                            numbered[org.code] += 1
                            record_id = _record_id(org, numbered[org.code], writer)
                            records[org.code].append(
                                write(org, person, stay, year, record_id, writer))
                            truth[record_id] = Sighting(
                                record_id=record_id, organisation=org.code, person=person.id,
                                event=event, year=year, province=stay.province,
                                duplicate=copy > 0)
    for org in organisations:
        # A list is kept in the order things happened, not in the order of the population.
        rows = records[org.code]
        writers[org.code].shuffle(rows)
        rows.sort(key=lambda row: truth[row["record_id"]].year)
    return records, truth
