"""The data tables: every rule is exercised by its own example, and the tables agree with the
hanja and pypinyin packages they rely on."""

from __future__ import annotations

import itertools

import hanja  # type: ignore[import-untyped]
import pytest
from pypinyin import Style, pinyin

from surplace.linkage.hangul import hangul_class, jamo_indexes, romanise, segment
from surplace.linkage.lexicon import lexicon
from surplace.linkage.tables import jamo_tables, surname_table, syllable_table

EXAMPLES = jamo_tables().latin_examples


@pytest.mark.parametrize(("part", "spelling", "example"), EXAMPLES,
                         ids=[f"{p}:{s or '-'}" for p, s, _ in EXAMPLES])
def test_every_latin_rule_reads_its_example(part: str, spelling: str, example: str) -> None:
    latin, hangul = example.split(" = ")
    folded = latin.lower()
    assert spelling in folded or spelling == ""
    assert (hangul_class(hangul),) in segment(folded), example


@pytest.mark.parametrize("example", ["Suh = 서", "Roh = 로", "Oh = 오", "Ahn = 안", "Sohn = 손",
                                     "Hahn = 한", "Uhm = 엄"])
def test_lengthening_h(example: str) -> None:
    latin, hangul = example.split(" = ")
    assert (hangul_class(hangul),) in segment(latin.lower())


@pytest.mark.parametrize("pair", ["리/이", "림/임", "류/유", "량/양", "로/노", "련/연", "룡/용",
                                  "녀/여", "라/나"])
def test_initial_sound_rule_examples(pair: str) -> None:
    north, south = pair.split("/")
    assert hangul_class(north) == hangul_class(south)


def test_distinct_syllables_stay_distinct() -> None:
    assert hangul_class("수") != hangul_class("순")
    assert hangul_class("철") != hangul_class("청")
    assert hangul_class("희") != hangul_class("혜")
    assert hangul_class("명") != hangul_class("민")
    assert hangul_class("광") != hangul_class("강")


def test_hangul_is_decomposed_arithmetically() -> None:
    assert jamo_indexes("가") == (0, 0, 0)
    assert jamo_indexes("힣") == (18, 20, 27)
    assert jamo_indexes("철") == (14, 4, 8)
    with pytest.raises(ValueError):
        jamo_indexes("A")


def test_romanisation_systems() -> None:
    assert romanise("김철수", "rr") == "gimcheolsu"
    assert romanise("김철수", "mr") == "kimch'ŏlsu"
    assert romanise("평양", "dprk") == "phyongyang"
    assert romanise("최룡해", "rr") == "choeryonghae"


def test_every_syllable_character_reads_as_its_syllable() -> None:
    for syllable, characters in syllable_table().items():
        for character in characters:
            reading = hanja.translate(character, "substitution")
            assert hangul_class(reading) == hangul_class(syllable), (syllable, character)


def test_surname_characters_read_as_the_surname_except_where_the_table_overrides() -> None:
    overridden = set()
    for surname in surname_table():
        for character in surname.hanja:
            reading = hanja.translate(character, "substitution")
            if reading not in surname.hangul:
                overridden.add(character)
    assert overridden == {"金", "沈"}  # 금 → 김, 침 → 심 as surnames


def test_every_surname_pinyin_is_a_reading_of_its_characters() -> None:
    for surname in surname_table():
        readings = set()
        for characters in surname.hanja:
            options = pinyin(characters, style=Style.NORMAL, heteronym=True)
            readings |= {"".join(combo).replace("ü", "u").replace("v", "u")
                         for combo in itertools.product(*options)}
        for spelling in surname.pinyin:
            assert spelling.lower() in readings, (surname.id, spelling)


def test_every_surname_spelling_resolves_to_its_class() -> None:
    lex = lexicon()
    for surname in surname_table():
        for spelling in surname.latin:
            assert surname in lex.by_latin[spelling.lower()], spelling
        for form in surname.hangul:
            assert lex.by_hangul[form] is surname


def test_table_sizes() -> None:
    assert len(surname_table()) >= 80
    assert len(syllable_table()) >= 130
    assert len(lexicon().pinyin_classes) >= 140
