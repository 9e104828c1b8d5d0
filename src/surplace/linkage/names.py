"""Name keys: one comparable form for a Korean name in Hangul, Chinese characters or any
romanisation, and the levels at which two names agree.

Why a key and not a string distance: 김철수, KIM CHOL-SU, Gim Cheol-su, 金哲洙 and Jin Zhezhu share
almost no letters, and 리순희 and 이순희 differ in the letter that matters least. So every name is
reduced to a surname class (one id per surname however written: "lee" for 이, 리, 李, Lee, Yi,
Rhee, Ri, Li) and given-name syllable classes (:mod:`surplace.linkage.hangul`: 철, Chol, Cheol,
Chul → "chol"), from the tables in ``data/``.

A romanised name can often be read more than one way — family name first or last, "Sunok" as
순옥 or 수녹, "Jin" as 金 or 晉, "ji" as 基, 吉 or 姬 — and guessing one would lose the match the
other reading makes. :func:`name_keys` therefore returns a few candidate keys, best first, and
:func:`compare_best` compares two names by their best-agreeing candidates. Hangul and Chinese
characters usually give a single key.

The "similar" level measures given names with difflib's ratio over the phonetic keys. The design
names rapidfuzz (Jaro–Winkler) for this, but neither rapidfuzz nor jellyfish is installed in this
environment, and difflib's ratio ranks one-letter differences between short keys the same way;
Splink computes its own Jaro–Winkler on the keys inside DuckDB, so this level only serves the
pure-Python comparison.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

from surplace.linkage.hangul import is_han, is_hangul
from surplace.linkage.readings import Reading, read_hangul, read_hanja, read_latin

#: Given names at least this similar (difflib ratio of the phonetic keys) agree as "similar".
SIMILAR_AT = 0.8
#: Candidate keys kept per name.
CANDIDATES = 8


class NameAgreement(IntEnum):
    """How far two names agree, from strongest to none; UNKNOWN when one side has no name."""

    EXACT = 4  # same surname class, same given syllables in the same order
    REORDERED = 3  # same surname, same given syllables in another order or another split
    SIMILAR = 2  # same surname, given names alike (typo, one syllable apart)
    SURNAME = 1  # same surname only
    NONE = 0
    UNKNOWN = -1


@dataclass(frozen=True)
class NameKey:
    """One reading of a name.

    ``surname`` is the class id from ``surnames.toml`` ("kim"), "~<class>" for a surname the
    table lacks, or "" when the name has no family name; ``given`` the syllable classes;
    ``phonetic`` the whole name as classes ("kim cholso"); ``script`` how it was read
    (hangul, hanja, romanised, pinyin); ``penalty`` ranks the readings of one name (0 = best).
    """

    surname: str
    given: tuple[str, ...]
    phonetic: str
    script: str
    penalty: float = 0.0

    @property
    def given_key(self) -> str:
        """The given-name classes joined by hyphens: "chol-so" (for blocking and grouping)."""
        return "-".join(self.given)

    @property
    def given_sound(self) -> str:
        """The given-name classes run together: "cholso" (equal for any split of a run-on)."""
        return "".join(self.given)


def _script(text: str) -> str:
    if any(is_hangul(char) for char in text):
        return "hangul"
    if any(is_han(char) for char in text):
        return "hanja"
    return "latin"


def name_keys(name: str | None = None, *, family: str | None = None,
              given: str | None = None, limit: int = CANDIDATES) -> list[NameKey]:
    """Candidate keys for a name, best first; empty when there is no name at all.

    Give either the full ``name`` (order, commas and a word in capitals are read: "KIM, Chol
    Su", "Chol Su KIM") or ``family`` and/or ``given`` when a list keeps them apart.
    """
    if name is not None and (family is not None or given is not None):
        raise ValueError("give either name or family/given, not both")
    text = name if name is not None else f"{family or ''} {given or ''}"
    if not text.strip():
        return []
    reader = {"hangul": read_hangul, "hanja": read_hanja, "latin": read_latin}[_script(text)]
    readings: list[Reading] = reader(family, given, name)
    best: dict[tuple[str, tuple[str, ...]], NameKey] = {}
    for reading in sorted(readings, key=lambda r: r.penalty):
        key = (reading.surname, reading.given)
        if key not in best and (reading.surname or reading.given):
            best[key] = NameKey(surname=reading.surname, given=reading.given,
                                phonetic=f"{reading.surname_sound} {''.join(reading.given)}"
                                .strip(),
                                script=reading.script, penalty=round(reading.penalty, 3))
    return list(best.values())[:limit]


def name_key(name: str | None = None, *, family: str | None = None,
             given: str | None = None) -> NameKey | None:
    """The best candidate key, or None when there is no name."""
    keys = name_keys(name, family=family, given=given, limit=1)
    return keys[0] if keys else None


def compare(a: NameKey, b: NameKey) -> NameAgreement:
    """The agreement level of two keys (see :class:`NameAgreement`)."""
    if not a.surname or not b.surname:
        return NameAgreement.UNKNOWN
    if a.surname != b.surname:
        return NameAgreement.NONE
    if not a.given or not b.given:
        return NameAgreement.SURNAME
    if a.given == b.given:
        return NameAgreement.EXACT
    if sorted(a.given) == sorted(b.given) or a.given_sound == b.given_sound:
        return NameAgreement.REORDERED
    ratio = difflib.SequenceMatcher(None, a.given_sound, b.given_sound).ratio()
    return NameAgreement.SIMILAR if ratio >= SIMILAR_AT else NameAgreement.SURNAME


def compare_best(a: Sequence[NameKey], b: Sequence[NameKey]) -> NameAgreement:
    """The best level over the candidate keys of two names (UNKNOWN if either has none)."""
    return max((compare(x, y) for x in a for y in b), default=NameAgreement.UNKNOWN)
