"""Origins in any script, resolved through the gazetteer file without a store."""

from __future__ import annotations

import pytest

from surplace.linkage import PlaceAgreement, compare_places, place_keys


@pytest.mark.parametrize("text", ["회령", "회령시", "會寧", "会宁", "Hoeryŏng", "Hoeryong",
                                  "HOERYONG", "Hoeryeong", "Hoeryong-si", "Hoeryong City",
                                  "Hoeryong, North Hamgyong", "함경북도 회령시", "咸镜北道 会宁"])
def test_hoeryong_in_every_script(text: str) -> None:
    keys = place_keys(text)
    assert [key.code for key in keys] == ["KP-09-hoeryong"]
    assert keys[0].province == "KP-09" and keys[0].country == "KP"


def test_provinces_and_countries() -> None:
    assert [key.code for key in place_keys("함경북도")] == ["KP-09"]
    assert [key.code for key in place_keys("Ryanggang")] == ["KP-10"]
    assert [key.code for key in place_keys("량강도")] == ["KP-10"]
    assert [key.code for key in place_keys("양강도")] == ["KP-10"]
    assert [key.code for key in place_keys("North Korea")] == ["KP"]
    assert [key.code for key in place_keys("조선")] == ["KP"]
    assert [key.code for key in place_keys("吉林")] == ["CN-JL"]


def test_ambiguous_spelling_gives_every_place() -> None:
    assert len(place_keys("Tumen Bridge")) == 2


@pytest.mark.parametrize("text", [None, "", "unknown", "Atlantis", "12345"])
def test_unknown_places(text: str | None) -> None:
    assert place_keys(text) == []


@pytest.mark.parametrize(("a", "b", "level"), [
    ("회령", "Hoeryŏng", PlaceAgreement.SAME_PLACE),
    ("會寧", "会宁", PlaceAgreement.SAME_PLACE),
    ("Hoeryong", "Musan", PlaceAgreement.SAME_PROVINCE),
    ("Hoeryong", "함경북도", PlaceAgreement.SAME_PROVINCE),
    ("Hoeryong", "Hyesan", PlaceAgreement.SAME_COUNTRY),
    ("Hoeryong", "North Korea", PlaceAgreement.SAME_COUNTRY),
    ("Hoeryong", "延吉", PlaceAgreement.DIFFERENT),
    ("Hoeryong", "Atlantis", PlaceAgreement.UNKNOWN),
    ("Hoeryong", None, PlaceAgreement.UNKNOWN),
])
def test_levels(a: str, b: str | None, level: PlaceAgreement) -> None:
    assert compare_places(place_keys(a), place_keys(b)) is level
