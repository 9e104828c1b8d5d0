"""Typo-tolerant reading of romanised names: slips lists make that must still give the right
surname and given name, and near-misses that must stay apart.

Each case is a one-slip spelling of a made-up name (a letter dropped, doubled or two swapped,
or a slip across the space), as the simulator and real hand-typed lists produce them.
"""

from __future__ import annotations

import pytest

from surplace.linkage import name_key, name_keys
from surplace.linkage.hangul import segment, syllables_at
from surplace.linkage.readings import repaired


def best(name: str) -> tuple[str, str]:
    key = name_key(name)
    assert key is not None
    return key.surname, key.given_sound


@pytest.mark.parametrize(("typed", "surname", "given"), [
    ("PAK KYŎGN MU", "park", "kyongmo"),  # swapped letters: 박경무
    ("Kim Snog kon", "kim", "songkon"),  # swapped letters: 김성곤
    ("Kim Kownjong", "kim", "kwonchong"),  # swapped, run-on: 김권종
    ("Nahm Gwonnju", "nam", "kwoncho"),  # a doubled letter: 남권주
    ("Min Yanng", "min", "yang"),  # a doubled letter: 민양
    ("CHOE KN RYONG", "choi", "konyong"),  # a dropped vowel: 최근룡
    ("Choe Gwanghyyeon", "choi", "kwanghyon"),  # a doubled letter: 최광현
    ("Kweon Giag", "kwon", "kika"),  # swapped letters: 권기가
    ("Gim Sinwha", "kim", "sinhwa"),  # swapped letters: 김신화
    ("HAHN S ERYON", "han", "seyon"),  # a slip across the space: 한세련
    ("Kong G-aok", "kong", "kaok"),  # a slip across the hyphen: 공가옥
    ("GHIM YU-NMYONG", "kim", "yonmyong"),  # a slip across the hyphen: 김윤명
])
def test_a_slip_in_the_given_name_still_reads(typed: str, surname: str, given: str) -> None:
    assert best(typed) == (surname, given)


def test_a_dropped_vowel_gives_the_name_among_the_candidates() -> None:
    # "Skpong" lost a vowel: 석봉 or 식봉 are one insertion each; both are kept as candidates.
    keys = name_keys("Han Skpong")
    assert keys[0].surname == "han"
    assert "sokpong" in {key.given_sound for key in keys[:3]}


def test_family_name_last_with_a_slip_in_the_given_name_keeps_the_surname() -> None:
    # Western order and a doubled letter: read as 길류봉, not as a surname "Ryyubong".
    assert best("Ryyu-bong Kil") == ("gil", "yopong")


def test_unknown_family_spelling_one_slip_from_a_known_one_is_that_surname() -> None:
    assert best("Ghmi Chol Su") == ("kim", "cholso")


@pytest.mark.parametrize(("clean", "other"), [
    ("Kim Chol Su", "Kim Chol Sun"),  # 철수 / 철순: both read cleanly, no repair joins them
    ("Kim Yong Su", "Kim Yong Sun"),
    ("Pak Kyong Mu", "Pak Kyong Mun"),
])
def test_clean_spellings_are_never_edited_into_another_name(clean: str, other: str) -> None:
    assert best(clean)[1] != best(other)[1]
    assert all(key.penalty < 1.0 for key in name_keys(clean)[:1])


def test_a_short_unknown_family_spelling_is_not_pulled_to_a_neighbour() -> None:
    # "Kam" is one letter from Kim, but three-letter spellings are too short to repair.
    assert best("Kam Chol Su")[0] != "kim"


def test_when_the_given_name_cannot_be_read_the_surname_is_kept() -> None:
    key = name_key("Kim Xqzx")
    assert key is not None and key.surname == "kim"
    assert key.given == ("?xqzx",)


def test_repairs_only_give_known_syllables_and_nothing_for_non_letters() -> None:
    assert repaired("kyogn")[0][0] == ("kyong",)
    assert repaired("ch'ol") == () and repaired("") == ()


def test_windowed_syllable_lookup_agrees_with_whole_text() -> None:
    # The per-window cache must not invent or lose a lengthening h at a word's end.
    assert ("so", 3) in syllables_at("suh", 0)
    assert segment("sohn") == segment("sohn")
    assert segment("cholsu")[0] == ("chol", "so")
