"""Syllable classes: one comparable form for a Korean syllable however it is written.

Hangul is decomposed arithmetically: a precomposed syllable is U+AC00 + (initial × 21 + medial)
× 28 + final, so its three jamo indexes come from two divisions, and the tables of ``jamo.toml``
give each jamo its group and its RR, MR and DPRK spelling. No romanisation library is used: none
is installed here (``korean_romanizer`` and ``ko-pron`` are not), the ones on PyPI do one system
each, and they apply sound changes across syllables (철수 → cheolsu but 신라 → silla), whereas a
name key must give a syllable the same class wherever a list put the spaces and hyphens.

Latin spellings are read with the same groups: a syllable is initial + vowel + final from the
``latin`` tables, and its class is built exactly as for Hangul, so 철, Chol, Ch'ŏl, Cheol and
Chul all give "chol". Run-on spellings ("Cholsu") are split by :func:`segment`, which returns
every split into well-formed syllables; the caller ranks them.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from surplace.linkage.tables import jamo_tables

_BASE, _LAST = 0xAC00, 0xD7A3
_APOSTROPHES = re.compile(r"['’‘ʼʻ`´]")
MAX_SYLLABLES = 4


def is_hangul(char: str) -> bool:
    return len(char) == 1 and _BASE <= ord(char) <= _LAST


def is_han(char: str) -> bool:
    return len(char) == 1 and ("\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"
                               or "\uf900" <= char <= "\ufaff")


def jamo_indexes(char: str) -> tuple[int, int, int]:
    """(initial, medial, final) indexes of a precomposed Hangul syllable."""
    if not is_hangul(char):
        raise ValueError(f"{char!r} is not a Hangul syllable")
    offset = ord(char) - _BASE
    return offset // 588, offset // 28 % 21, offset % 28


def _with_rule(initial: str, vowel: str) -> str:
    """The initial-sound rule on groups: ㄹ and ㄴ go before i and y, ㄹ is ㄴ elsewhere."""
    tables = jamo_tables()
    if initial in ("r", "n") and vowel in tables.drop_before:
        return ""
    return tables.r_elsewhere if initial == "r" else initial


def _class(initial: str, vowel: str, final: str) -> str:
    return _with_rule(initial, vowel) + vowel + final


@cache
def hangul_class(char: str) -> str:
    """The class of one Hangul syllable: 철 → "chol", 리 and 이 → "i", 로 and 노 → "no"."""
    tables = jamo_tables()
    initial, medial, final = jamo_indexes(char)
    return _class(tables.initial_group[initial], tables.medial_group[medial],
                  tables.final_group[final])


def romanise(text: str, system: str = "rr") -> str:
    """Hangul written syllable by syllable in RR, MR or the DPRK style, other characters kept.

    For display and for checking the tables; keys use :func:`hangul_class`, not this."""
    initials, medials, finals = jamo_tables().romanisation[system]
    out = []
    for char in text:
        if is_hangul(char):
            initial, medial, final = jamo_indexes(char)
            out.append(initials[initial] + medials[medial] + finals[final])
        else:
            out.append(char)
    return "".join(out)


def fold_latin(text: str) -> str:
    """Lower case without breves, accents or apostrophes: Ch'ŏl-su → chol-su, Lü → lu."""
    folded = unicodedata.normalize("NFKD", _APOSTROPHES.sub("", text))
    return "".join(char for char in folded if not unicodedata.combining(char)).lower()


def _prefixes(table: dict[str, str], text: str, start: int) -> list[tuple[str, int]]:
    """(group, end) of every spelling of ``table`` at ``start``, in the table's order: a look-up
    per spelling length, not a scan of the table (segmenting is the hot loop of reading)."""
    order, lengths = _index(table)
    hits = sorted((order[part], part) for length in lengths if start + length <= len(text)
                  for part in [text[start:start + length]] if part in order)
    return [(table[part], start + len(part)) for _, part in hits]


#: Per table of :func:`jamo_tables` (cached for the process, so its id is stable): spelling →
#: position in the table, and the lengths spellings have.
_INDEXES: dict[int, tuple[dict[str, int], tuple[int, ...]]] = {}


def _index(table: dict[str, str]) -> tuple[dict[str, int], tuple[int, ...]]:
    key = id(table)
    if key not in _INDEXES:
        _INDEXES[key] = ({spelling: n for n, spelling in enumerate(table)},
                         tuple(sorted({len(spelling) for spelling in table})))
    return _INDEXES[key]


#: Letters enough for any one syllable (initial, vowel, lengthening h, final) and one more.
_WINDOW = 10


def syllables_at(text: str, start: int) -> list[tuple[str, int]]:
    """Every well-formed Latin syllable beginning at ``start``: (class, end).

    A syllable only sees the next few letters, so the work is cached per window of letters:
    the typo repairs of :mod:`surplace.linkage.readings` segment a hundred near-copies of one
    name, which share almost all their windows."""
    return [(klass, start + end) for klass, end in _syllables(text[start:start + _WINDOW])]


@cache
def _syllables(text: str) -> tuple[tuple[str, int], ...]:
    tables = jamo_tables()
    found: list[tuple[str, int]] = []
    for initial, after_initial in _prefixes(tables.latin_initial, text, 0):
        for vowel, after_vowel in _prefixes(tables.latin_vowel, text, after_initial):
            for final, end in _prefixes(tables.latin_final, text, after_vowel):
                found.append((_class(initial, vowel, final), end))
            # A lengthening h (Suh, Ahn, Sohn): at the end of the word or before a final.
            if text.startswith("h", after_vowel):
                if after_vowel + 1 == len(text) < _WINDOW:
                    found.append((_class(initial, vowel, ""), after_vowel + 1))
                for final, end in _prefixes(tables.latin_final, text, after_vowel + 1):
                    if final:
                        found.append((_class(initial, vowel, final), end))
    return tuple(dict.fromkeys(found))


@cache
def segment(chunk: str) -> tuple[tuple[str, ...], ...]:
    """Every way to read a folded Latin chunk ("cholsu") as 1–4 syllable classes."""

    @cache
    def from_(start: int) -> tuple[tuple[str, ...], ...]:
        if start == len(chunk):
            return ((),)
        splits: list[tuple[str, ...]] = []
        for klass, end in syllables_at(chunk, start):
            splits.extend((klass, *rest) for rest in from_(end) if len(rest) < MAX_SYLLABLES)
        return tuple(splits)

    if not chunk.isascii() or not chunk.isalpha():
        return ()
    return tuple(dict.fromkeys(split for split in from_(0) if split))
