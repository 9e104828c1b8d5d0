"""The border-region gazetteer: the data file loads and is checked, seeding is idempotent, and
places resolve by any spelling in any script while unknown and ambiguous ones are refused.

Store tests run on SQLite and PostgreSQL (the ``unlocked`` fixture). The vault's initialisation
does not seed places (``surplace store init`` and ``surplace demo`` call ``seed_places``), so
each store test seeds first.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from surplace.errors import InvalidInput
from surplace.records.gazetteer import resolve_place, seed_places
from surplace.records.gazetteer_data import (
    LEVELS,
    REGION,
    GazetteerFileError,
    load_gazetteer,
    place_key,
)
from surplace.records.models import Place
from surplace.records.vocabularies import terms
from surplace.vault.service import Unlocked


def test_the_file_loads_and_covers_the_region() -> None:
    gazetteer = load_gazetteer()
    by_country = Counter(entry.province[:2] for entry in gazetteer.places)
    by_level = Counter(entry.level for entry in gazetteer.places)
    assert 70 <= len(gazetteer.places) <= 120
    assert by_country["KP"] >= 30 and by_country["CN"] >= 30
    assert {"city", "county", "town", "crossing", "detention"} <= set(by_level)
    codes = {entry.code for entry in gazetteer.places}
    for expected in ("KP-09-hoeryong", "KP-10-hyesan", "KP-03-sinuiju", "CN-JL-yanji",
                     "CN-JL-tumen", "X-dandong-sinuiju", "X-tumen-namyang", "KP-09-chongori-12",
                     "CN-JL-tumen-detention"):
        assert expected in codes


def test_every_place_is_named_in_three_scripts_and_lies_in_the_region() -> None:
    provinces = terms("province")
    south, north, west, east = REGION
    for entry in load_gazetteer().places:
        assert entry.level in LEVELS
        assert entry.province in provinces
        assert entry.name_en.strip() and entry.name_ko.strip() and entry.name_zh.strip()
        if entry.latitude is not None and entry.longitude is not None:
            assert south <= entry.latitude <= north and west <= entry.longitude <= east
        if entry.level == "crossing":
            assert entry.province.startswith("CN-")


def test_seeding_twice_adds_nothing(unlocked: Unlocked) -> None:
    with unlocked.session() as session:
        added = seed_places(session)
        aliases = {place.code: list(place.aliases or []) for place in session.scalars(
            select(Place))}
        assert seed_places(session) == 0
        assert session.scalar(select(func.count()).select_from(Place)) == len(aliases)
        assert {place.code: place.aliases for place in session.scalars(select(Place))} == aliases
        places = list(session.scalars(select(Place)))
        hoeryong = next(place for place in places if place.code == "KP-09-hoeryong")
        parent = next(place for place in places if place.id == hoeryong.parent_id)
        bridge = next(place for place in places if place.code == "X-tumen-namyang")
        jilin = next(place for place in places if place.id == bridge.parent_id)
    assert added == len(load_gazetteer().places) + len(terms("country")) + len(terms("province"))
    assert all(place.name_en and place.name_ko and place.name_zh for place in places)
    assert (parent.code, hoeryong.iso_3166_2, hoeryong.level) == ("KP-09", "KP-09", "city")
    assert (jilin.code, bridge.level) == ("CN-JL", "crossing")
    assert hoeryong.latitude == pytest.approx(42.44, abs=0.05)


def test_an_existing_place_gains_new_aliases_without_duplicates(unlocked: Unlocked) -> None:
    with unlocked.session() as session:
        session.add(Place(code="KP-09-hoeryong", level="city", name_en="Hoeryong (local)",
                          name_ko="회령", name_zh="会宁", aliases=["Hoeryong", "local spelling"]))
        session.flush()
        seed_places(session)
        seed_places(session)
        row = session.scalars(select(Place).where(Place.code == "KP-09-hoeryong")).one()
        aliases = list(row.aliases)
        name, latitude = row.name_en, row.latitude
    assert aliases[:2] == ["Hoeryong", "local spelling"]
    assert "Huining" in aliases and "會寧" in aliases
    assert len(aliases) == len(set(aliases))
    assert name == "Hoeryong (local)"  # names the store holds are never overwritten
    assert latitude == pytest.approx(42.44, abs=0.05)  # but missing coordinates are filled


def test_places_resolve_by_any_spelling_in_any_script(unlocked: Unlocked) -> None:
    expected = {
        "KP-09-hoeryong": ["회령", "會寧", "会宁", "Hoeryŏng", "hoe-ryong", "Huining", "HOIRYONG",
                           "KP-09-hoeryong", "kp-09-hoeryong"],
        "CN-JL-yanji": ["연길", "옌지", "延吉", "Yanji", "Yŏn'gil", "Yenji"],
        "KP-10-hyesan": ["Hyesan", "Hyesan-si", "Huishan", "惠山", "혜산"],
        "KP-03-sinuiju": ["Sinuiju", "Sinŭiju", "Sinuiiju", "Xinyizhou", "新義州", "신의주"],
        "X-dandong-sinuiju": ["Sino-Korean Friendship Bridge", "中朝友谊桥", "조중친선다리"],
        "X-tumen-namyang": ["Tumen–Namyang", "Tumen-Namyang", "图们口岸"],
        "X-changbai-hyesan": ["Changbai–Hyesan"],
        "KP-09-chongori-12": ["Chongori", "Jongo-ri", "Chŏn'gŏ-ri", "전거리 교화소"],
        "KP-09": ["KP-09", "North Hamgyong", "함경북도", "Hambuk", "Hamkyeongpukto"],
        "KP-13": ["Rason", "Rajin-Sŏnbong", "라선"],
        "CN-BJ": ["Beijing", "Peking", "北京"],
    }
    with unlocked.session() as session:
        seed_places(session)
        for code, spellings in expected.items():
            for spelling in spellings:
                assert resolve_place(session, spelling).code == code, spelling


def test_an_unknown_place_is_refused_with_a_suggestion(unlocked: Unlocked) -> None:
    with unlocked.session() as session:
        seed_places(session)
        with pytest.raises(InvalidInput, match=r"the place given is not in the gazetteer; did you "
                                               r"mean .*Hoeryong \(KP-09-hoeryong\)"):
            resolve_place(session, "Hoeryung", field="incident.place")
        with pytest.raises(InvalidInput, match="incident.place: a place name or code is required"):
            resolve_place(session, " - ", field="incident.place")


def test_an_ambiguous_spelling_is_refused_naming_the_candidates(unlocked: Unlocked) -> None:
    with unlocked.session() as session:
        seed_places(session)
        for spelling in ("Yalu River Bridge", "鸭绿江大桥", "Tumen River Bridge"):
            with pytest.raises(InvalidInput, match="names more than one place") as refused:
                resolve_place(session, spelling)
            assert ("X-dandong-sinuiju" in str(refused.value)
                    or "X-tumen-namyang" in str(refused.value))
        with pytest.raises(InvalidInput, match="X-dandong-sinuiju, X-new-yalu-bridge"):
            resolve_place(session, "yalu river bridge")


def test_spellings_fold_breves_apostrophes_and_width() -> None:
    assert place_key("Hoeryŏng") == place_key("hoe-ryong") == place_key("Ｈｏｅｒｙｏｎｇ")
    assert place_key("Chŏnʼgŏ-ri") == place_key("Chon'go ri") == "chongori"
    assert place_key("회령 시") == "회령시"


# A minimal valid file, broken one field at a time below.
GOOD = """
ambiguous = []
[[place]]
code = "KP-09-hoeryong"
level = "city"
province = "KP-09"
name_en = "Hoeryong"
name_ko = "회령"
name_zh = "会宁"
aliases = ["Huining"]
latitude = 42.44
longitude = 129.75

[[place]]
code = "X-sanhe-hoeryong"
level = "crossing"
province = "CN-JL"
across = "KP-09"
name_en = "Sanhe–Hoeryong bridge"
name_ko = "삼합–회령 국경다리"
name_zh = "三合—会宁 国境桥"
aliases = ["Sanhe port"]
"""


def test_a_minimal_file_loads(tmp_path: Path) -> None:
    gazetteer = load_gazetteer(_write(tmp_path, GOOD))
    assert [entry.code for entry in gazetteer.places] == ["KP-09-hoeryong", "X-sanhe-hoeryong"]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gazetteer.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("old", "new", "message"), [
    ('level = "city"', 'level = "village"',
     r"place 'KP-09-hoeryong': level 'village' is not one of"),
    ('province = "KP-09"', 'province = "KP-11"',
     r"place 'KP-09-hoeryong': province 'KP-11' is not a province code"),
    ('name_ko = "회령"', 'name_ko = ""', r"place 'KP-09-hoeryong': name_ko must be a non-empty"),
    ('name_ko = "회령"', 'name_ko = "Hoeryong"', r"name_ko must be written in Hangul"),
    ('name_zh = "会宁"', 'name_zh = "회령"', r"name_zh must be written in Chinese characters"),
    ("latitude = 42.44", "latitude = 52.44",
     r"place 'KP-09-hoeryong': latitude 52.44 is outside the region"),
    ("latitude = 42.44", 'latitude = "42.44"', r"latitude must be a number"),
    ("latitude = 42.44\n", "", r"latitude must be a number, given together"),
    ('code = "KP-09-hoeryong"', 'code = "KP-09-hoeryong-city-of-the-six-garrisons-x"',
     r"code must be PROVINCE-name or X-name .* at most 32"),
    ('code = "KP-09-hoeryong"', 'code = "KP-10-hoeryong"', r"code must start with its province"),
    ('across = "KP-09"', 'across = "CN-LN"', r"place 'X-sanhe-hoeryong': across 'CN-LN' must be"),
    ('aliases = ["Huining"]', 'aliases = ["Huining", "Huining"]', r"'Huining' is listed twice"),
    ('aliases = ["Huining"]', 'alias = ["Huining"]', r"alias is not a field of a place"),
    ('aliases = ["Sanhe port"]', 'aliases = ["Hoe-ryong"]',
     r"place 'X-sanhe-hoeryong': aliases 'Hoe-ryong' is also a name of 'KP-09-hoeryong'; "
     r"list it under 'ambiguous'"),
    ('aliases = ["Sanhe port"]', 'aliases = ["Jilin"]',
     r"aliases 'Jilin' is also a name of 'CN-JL'"),
    ("ambiguous = []", 'ambiguous = ["Sanhe port"]',
     r"ambiguous: 'sanheport' names at most one place"),
    ('level = "crossing"', 'level = "town"',
     r"place 'X-sanhe-hoeryong': code must start with X- for a crossing, and only"),
    ("[[place]]\ncode", "[[place]]\nnote = 'broken'\ncode = [", r"not valid TOML"),
])
def test_a_broken_file_is_refused_naming_the_place_and_field(
        tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in GOOD
    with pytest.raises(GazetteerFileError, match=message):
        load_gazetteer(_write(tmp_path, GOOD.replace(old, new, 1)))


def test_a_code_used_twice_is_refused(tmp_path: Path) -> None:
    first = GOOD[:GOOD.index("[[place]]", GOOD.index("[[place]]") + 1)]
    twice = first + first.replace("ambiguous = []", "").replace('["Huining"]', "[]")
    with pytest.raises(GazetteerFileError, match=r"place 'KP-09-hoeryong': code is used twice"):
        load_gazetteer(_write(tmp_path, twice))


def test_a_shared_spelling_listed_as_ambiguous_is_accepted(tmp_path: Path) -> None:
    text = GOOD.replace('ambiguous = []', 'ambiguous = ["Hoeryong bridge"]').replace(
        '["Huining"]', '["Huining", "Hoeryong bridge"]').replace(
        '["Sanhe port"]', '["Sanhe port", "Hoeryong-bridge"]')
    gazetteer = load_gazetteer(_write(tmp_path, text))
    assert gazetteer.ambiguous == frozenset({"hoeryongbridge"})
