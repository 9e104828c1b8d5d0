"""Lists with known truth: synthetic persons seen by organisations that write names their own way.

Why a simulator: linkage cannot be measured on real lists of people in hiding — nobody knows
the truth, and nobody may copy those lists into a test. So persons are made up from the
surname and syllable tables (no real person: each name is a random draw of table entries),
and five organisations with different reach see them and write them down in their own
convention, with the errors lists really have. The F1 of a linkage on these lists is then a
measurement, not an opinion.

The organisations (each person's chance of being seen varies by person and by list):

- ``shelter`` (a church shelter in China): McCune–Reischauer, upper case, breves and
  apostrophes kept or dropped, day-first dates ("KIM CH'ŎL SU", 02/03/1985);
- ``hotline``: Revised Romanisation or the ad hoc spellings (Gim Cheol-su, Kim Chulsoo), name
  order sometimes Western, ISO dates often cut to year-month;
- ``police`` (a Chinese police record): characters, simplified or traditional, or their pinyin
  (金哲洙, Jin Zhezhu), 1985年3月2日, ages;
- ``registry`` (a South Korean registry): Hangul with the South's 이, family and given name in
  separate columns, full dates;
- ``informant`` (a network inside the North): Hangul with the North's 리 or the DPRK's
  romanisation (Ri Chol Su), mostly ages instead of dates.

Every list adds typos, day/month swaps, years off by one, missing fields and, now and then, the
same person twice.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

import pandas as pd

from surplace.linkage.hangul import fold_latin, is_han, is_hangul, romanise
from surplace.linkage.lexicon import pinyin_of
from surplace.linkage.tables import Surname, surname_table, syllable_table
from surplace.records.gazetteer_data import PlaceEntry, load_gazetteer

LISTS = ("shelter", "hotline", "police", "registry", "informant")
#: Base capture probability of each list (times a person's own visibility).
REACH = {"shelter": 0.45, "hotline": 0.35, "police": 0.3, "registry": 0.35, "informant": 0.3}
#: Share of each list's dates written as an age at the time of recording.
AGE_SHARE = {"shelter": 0.05, "hotline": 0.05, "police": 0.25, "registry": 0.0,
             "informant": 0.6}
RECORDED_IN = 2023
#: Traditional → simplified forms of the name characters the tables use (for Chinese lists).
SIMPLIFIED = dict(zip("國華順龍鐵蓮實銀東長廣軍龜慶啓鎭興貞賢寶鳳愛燦煥勳鍾錦義萬學榮雲漢錄祿"
                      "滿鳴謨範門敏尙鮮誠聖壽純勝時億彦燕藝禮運誼濟晶眞採靑淸鉉輝姬鄭趙張劉陳"
                      "吳韓孫黃許閔盧魚馬", "国华顺龙铁莲实银东长广军龟庆启镇兴贞贤宝凤爱灿焕勋"
                      "钟锦义万学荣云汉录禄满鸣谟范门敏尚鲜诚圣寿纯胜时亿彦燕艺礼运谊济晶真采青"
                      "清铉辉姬郑赵张刘陈吴韩孙黄许闵卢鱼马", strict=True))
#: Ad hoc spellings people write for Revised Romanisation (Cheol → Chul, Yeong → Young).
AD_HOC = (("yeong", "young"), ("eo", "u"), ("su", "soo"), ("hui", "hee"), ("jeong", "jung"))


@dataclass(frozen=True)
class Person:
    id: str
    surname: Surname
    given: str  # Hangul syllables
    hanja: str  # traditional characters: surname then given
    sex: str
    birth: tuple[int, int, int]
    origin: tuple[str, ...]  # spellings of the place (gazetteer)
    moved_from: tuple[str, ...]  # another place of the same province, which some lists give
    visibility: float


@dataclass(frozen=True)
class Simulated:
    """The records (role columns, one row per record) and each record's true person id."""

    records: pd.DataFrame
    truth: pd.Series


def _weights(count: int, exponent: float) -> list[float]:
    return [1 / (rank + 1) ** exponent for rank in range(count)]


def _spellings(place: PlaceEntry) -> tuple[str, ...]:
    return tuple(spelling for field, spelling in place.spellings() if field != "code")


def _persons(count: int, rng: random.Random) -> list[Person]:
    surnames = surname_table()
    syllables = list(syllable_table().items())
    places = [p for p in load_gazetteer().places
              if p.province.startswith("KP") and p.level in ("city", "county", "town")]
    s_weights, g_weights = _weights(len(surnames), 1.1), _weights(len(syllables), 0.4)
    people = []
    for number in range(count):
        surname = rng.choices(surnames, s_weights)[0]
        parts = rng.choices(syllables, g_weights, k=1 if rng.random() < 0.1 else 2)
        year, month = rng.randint(1950, 2008), rng.randint(1, 12)
        place = rng.choice(places)
        people.append(Person(
            id=f"P{number:06d}", surname=surname, given="".join(s for s, _ in parts),
            hanja=surname.hanja[0] + "".join(rng.choice(chars[:2]) for _, chars in parts),
            sex=rng.choice("mf"), birth=(year, month, rng.randint(1, 28)),
            origin=_spellings(place),
            moved_from=_spellings(rng.choice([p for p in places
                                              if p.province == place.province])),
            visibility=rng.lognormvariate(0, 0.5)))
    return people


def _typo(text: str, rng: random.Random) -> str:
    """One keyboard slip in a Latin word: a letter dropped, doubled or swapped."""
    letters = [i for i, c in enumerate(text) if c.isalpha()]
    if len(letters) < 4:
        return text
    i = rng.choice(letters[1:-1])
    kind = rng.randrange(3)
    if kind == 0:
        return text[:i] + text[i + 1:]
    if kind == 1:
        return text[:i] + text[i] + text[i:]
    return text[:i] + text[i + 1] + text[i] + text[i + 2:] if i + 1 < len(text) else text


def _join_given(parts: list[str], rng: random.Random) -> str:
    style = rng.random()
    if style < 0.4:
        return (parts[0] + "".join(p.lower() for p in parts[1:])) if parts else ""
    return ("-" if style < 0.7 else " ").join(parts[:1] + [p.lower() for p in parts[1:]])


def _latin(person: Person, system: str, rng: random.Random) -> tuple[str, str]:
    """(surname, given) romanised syllable by syllable in ``system`` (rr, mr, dprk, adhoc)."""
    hangul = person.surname.hangul
    if system == "dprk":
        family = romanise(hangul[-1], "dprk").capitalize()
    elif system == "rr" and rng.random() < 0.5:
        family = romanise(hangul[0], "rr").capitalize()
    else:
        family = rng.choice(person.surname.latin[:3])
    base = "rr" if system == "adhoc" else system
    parts = [romanise(s, base) for s in person.given]
    if system == "adhoc":
        for old, new in AD_HOC:
            parts = [p.replace(old, new) if rng.random() < 0.7 else p for p in parts]
    if system == "mr" and rng.random() < 0.5:
        parts = [fold_latin(p) for p in parts]
    return family, _join_given([p.capitalize() for p in parts], rng)


def _name(person: Person, source: str, rng: random.Random) -> dict[str, str | None]:
    if source == "registry":
        given = person.given
        if rng.random() < 0.03:
            given = given[:-1] + rng.choice(list(syllable_table()))
        return {"name": None, "family_name": person.surname.hangul[0], "given_name": given}
    if source == "informant" and rng.random() < 0.6:
        return {"name": person.surname.hangul[-1] + person.given}
    if source == "police":
        if rng.random() < 0.6:
            chars = person.hanja if rng.random() < 0.3 else "".join(
                SIMPLIFIED.get(c, c) for c in person.hanja)
            return {"name": chars}
        pinyin = person.surname.pinyin[0] if person.surname.pinyin else pinyin_of(
            person.hanja[0]).capitalize()
        return {"name": f"{pinyin} {pinyin_of(person.hanja[1:]).capitalize()}"}
    system = {"shelter": "mr", "informant": "dprk"}.get(
        source, "adhoc" if rng.random() < 0.4 else "rr")
    family, given = _latin(person, system, rng)
    if rng.random() < 0.08:
        given = _typo(given, rng)
    text = f"{given} {family}" if source == "hotline" and rng.random() < 0.2 else \
        f"{family} {given}"
    return {"name": text.upper() if source == "shelter" else text}


def _birth(person: Person, source: str, rng: random.Random,
           recorded_in: int = RECORDED_IN) -> str | None:
    year, month, day = person.birth
    if rng.random() < 0.08:
        return None
    if rng.random() < 0.03:
        year += rng.choice((-1, 1))
    if rng.random() < AGE_SHARE[source]:
        age = recorded_in - year - (1 if rng.random() < 0.5 else 0)
        return f"{age}세 ({recorded_in})" if source == "informant" else \
            f"{age}岁 ({recorded_in})" if source == "police" else f"age {age} in {recorded_in}"
    return _date(year, month, day, source, rng)


def _date(year: int, month: int, day: int, source: str, rng: random.Random) -> str:
    """A day as ``source`` writes it: its format, sometimes cut to year-month or year, now and
    then day and month swapped."""
    cut = rng.random()
    if source == "hotline" and cut < 0.25 or cut < 0.08:
        return f"{year}-{month:02d}" if rng.random() < 0.5 else str(year)
    if day <= 12 and rng.random() < 0.05:
        month, day = day, month
    written = {"shelter": f"{day:02d}/{month:02d}/{year}", "police": f"{year}年{month}月{day}日",
               "registry": f"{year}.{month:02d}.{day:02d}"}
    return written.get(source, f"{year}-{month:02d}-{day:02d}")


def _spelling(place: tuple[str, ...], source: str, rng: random.Random) -> str:
    """One of a place's spellings in the script ``source`` writes (any when it has none)."""
    script = {"police": is_han, "registry": is_hangul, "informant": is_hangul}.get(
        source, lambda c: c.isascii() or c == "ŏ")
    pool = [s for s in place if all(script(c) or c in " -'" for c in s)]
    return rng.choice(pool or list(place))


def _record(person: Person, source: str, rng: random.Random,
            recorded_in: int = RECORDED_IN) -> dict[str, str | None]:
    origin = None
    if rng.random() < 0.75:
        place = person.moved_from if rng.random() < 0.08 else person.origin
        origin = _spelling(place, source, rng)
    sex = person.sex if rng.random() < 0.99 else "fm"[person.sex == "f"]
    return {"source": source, **_name(person, source, rng),
            "sex": sex.upper() if rng.random() < 0.9 else None,
            "birth": _birth(person, source, rng, recorded_in), "origin": origin}


# The writers for other simulators (the demo scenario): each list's conventions, by list name.

def write_record(person: Person, convention: str, rng: random.Random, *,
                 recorded_in: int = RECORDED_IN) -> dict[str, str | None]:
    """``person`` as list ``convention`` (one of :data:`LISTS`) writes them in ``recorded_in``
    (ages are counted to that year): ``source``, the name keys, ``sex``, ``birth``, ``origin``."""
    return _record(person, convention, rng, recorded_in)


def write_date(day: date, convention: str, rng: random.Random) -> str:
    """``day`` as list ``convention`` writes dates, with its cuts and swaps."""
    return _date(day.year, day.month, day.day, convention, rng)


def write_place(spellings: tuple[str, ...], convention: str, rng: random.Random) -> str:
    """One of ``spellings`` (a gazetteer place's) in the script list ``convention`` writes."""
    return _spelling(spellings, convention, rng)


def place_spellings(place: PlaceEntry) -> tuple[str, ...]:
    """Every spelling of a gazetteer place but its code: what lists may write for it."""
    return _spellings(place)


def simulate(persons: int = 1000, *, seed: int = 1, duplicate_share: float = 0.05) -> Simulated:
    """Records of ``persons`` synthetic persons as the five lists write them (seeded: the same
    arguments give the same records). Persons no list saw leave no record."""
    rng = random.Random(seed)  # noqa: S311 - a simulation, not a secret
    rows: list[dict[str, str | None]] = []
    truth: list[str] = []
    counters = dict.fromkeys(LISTS, 0)
    for person in _persons(persons, rng):
        for source in LISTS:
            if rng.random() >= min(0.95, REACH[source] * person.visibility):
                continue
            for _ in range(2 if rng.random() < duplicate_share else 1):
                counters[source] += 1
                rows.append({"record_id": f"{source}-{counters[source]:06d}",
                             **_record(person, source, rng)})
                truth.append(person.id)
    order = list(range(len(rows)))
    rng.shuffle(order)
    columns = ["record_id", "source", "name", "family_name", "given_name", "sex", "birth",
               "origin"]
    records = pd.DataFrame([rows[i] for i in order], columns=columns)
    return Simulated(records=records,
                     truth=pd.Series([truth[i] for i in order], name="person_id"))
