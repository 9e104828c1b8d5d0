"""Look-up indexes over the data tables: surnames by every spelling, known syllable classes, and
the pinyin → Korean syllable map.

Built once per process from the files, so adding a spelling to a table is enough for every
reader to know it. Pinyin is not typed into the tables by hand for given names: pypinyin reads
each name character of ``syllables.toml`` (哲 → zhe), and that reading points back to the Korean
syllable, so the map is as good as the character list and cannot drift from it. Surnames carry
their pinyin in the file (朴 is Piao as a surname, Pu elsewhere), checked against pypinyin by the
tests.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cache

from pypinyin import Style, lazy_pinyin

from surplace.linkage.hangul import fold_latin, hangul_class
from surplace.linkage.tables import Surname, surname_table, syllable_table


@dataclass(frozen=True)
class Lexicon:
    by_hangul: dict[str, Surname]
    by_hanja: dict[str, Surname]
    #: Folded Korean romanisation (lee, choe, namgung) → surnames, most frequent first.
    by_latin: dict[str, tuple[Surname, ...]]
    #: Folded pinyin (li, piao, nangong) → surnames, most frequent first.
    by_pinyin: dict[str, tuple[Surname, ...]]
    #: Syllable class of a surname's Hangul ("chon") → surnames (전, 천), for unlisted spellings.
    by_class: dict[str, tuple[Surname, ...]]
    #: Classes of the given-name syllables and surnames: what a segmentation should produce.
    known: frozenset[str]
    #: Pinyin syllable → classes of the Korean syllables whose name characters read so.
    pinyin_classes: dict[str, tuple[str, ...]]

    def phonetic(self, surname: Surname) -> str:
        """A surname's sound as syllable classes: 이/리 → "i", 남궁 → "namkong"."""
        return "".join(hangul_class(char) for char in surname.hangul[0])


def pinyin_of(text: str) -> str:
    """Toneless pinyin of Chinese characters, ü written u (吕 → lu), joined."""
    return "".join(lazy_pinyin(text, style=Style.NORMAL, v_to_u=True)).replace("ü", "u")


@cache
def lexicon() -> Lexicon:
    surnames = surname_table()
    latin: defaultdict[str, list[Surname]] = defaultdict(list)
    pinyin: defaultdict[str, list[Surname]] = defaultdict(list)
    classes: defaultdict[str, list[Surname]] = defaultdict(list)
    for surname in surnames:
        for spelling in surname.latin:
            latin[fold_latin(spelling)].append(surname)
        for spelling in surname.pinyin:
            pinyin[fold_latin(spelling)].append(surname)
        for form in surname.hangul:
            key = "".join(hangul_class(char) for char in form)
            if surname not in classes[key]:
                classes[key].append(surname)
    readings: defaultdict[str, list[str]] = defaultdict(list)
    for syllable, characters in syllable_table().items():
        for character in characters:
            klass = hangul_class(syllable)
            reading = pinyin_of(character)
            if klass not in readings[reading]:
                readings[reading].append(klass)
    known = {hangul_class(syllable) for syllable in syllable_table()}
    known |= {hangul_class(char) for surname in surnames for form in surname.hangul
              for char in form}
    return Lexicon(
        by_hangul={form: surname for surname in surnames for form in surname.hangul},
        by_hanja={form: surname for surname in surnames for form in surname.hanja},
        by_latin={key: tuple(value) for key, value in latin.items()},
        by_pinyin={key: tuple(value) for key, value in pinyin.items()},
        by_class={key: tuple(value) for key, value in classes.items()},
        known=frozenset(known),
        pinyin_classes={key: tuple(value) for key, value in readings.items()})
