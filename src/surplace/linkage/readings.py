"""Reading one name into candidate (surname, given syllables) readings, scored.

A reading is a guess at how the writer meant the name; the lower its penalty the likelier. The
penalties only rank the readings of one name against each other, they are not probabilities:
a surname found in the table costs nothing, one only matched by sound costs 1, an unknown one 2;
reading the family name last costs 1 (Korean and Chinese write it first, Western lists last);
each syllable no Korean name uses costs 2, each syllable more than the shortest split of its
word 0.5 ("Young" is 영, not 요 + 옹; "Cheol" is 철, not 제 + 얼); reading Latin as pinyin
costs 0.5 (a Korean spelling is likelier in these lists) and each less common Korean reading
of a pinyin syllable 0.05.

Typos. A slip of the keyboard in a romanised given name ("KYŎGN", "Snog", "SIIN", "S ERYON")
usually leaves letters no syllable reads, or a syllable no name uses, and without a repair the
whole name fell to the raw-letters reading, surname included. So when the best reading of the
given name has an unknown syllable or none at all, the chunks are read run together (a slip
across a space or hyphen) and then with one edit undone — a letter dropped, doubled or two
letters swapped, the slips lists make — at :data:`REPAIR` each; only edits that read wholly as
known syllables count. A name that reads cleanly is never edited, so Chol Su and Chol Sun stay
apart. An unknown family spelling one edit from a known one (len ≥ 4: "Ghmi" is Ghim, but "Kam"
is not Kim) is read as that surname at :data:`NEAR_SURNAME`; and when the given name still
fails, the surname is kept and only the given name falls to raw letters.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import hanja  # type: ignore[import-untyped]
from rapidfuzz import process
from rapidfuzz.distance import OSA

from surplace.linkage.hangul import fold_latin, hangul_class, is_han, is_hangul, segment
from surplace.linkage.lexicon import Lexicon, lexicon, pinyin_of

_WORD = re.compile(r"[^\W\d_]+(?:['’ʼ][^\W\d_]+)*")
PER_CHUNK = 4  # readings kept per hyphen- or space-separated chunk
#: Penalty of reading a given name with one typing slip undone (a syllable no name uses costs 2).
REPAIR = 1.0
#: Penalty of reading chunks run together when they do not read apart ("S ERYON" = Seryon).
REJOIN = 0.25
#: Penalty of an unknown family spelling read as the known one a single edit away.
NEAR_SURNAME = 1.5
#: Letters a slip may have dropped: vowels and the letters of finals and glides; a dropped
#: consonant of an initial usually leaves another reading, and trying all 26 costs 3× the time.
_DROPPED = "aeiouwyngh"


@dataclass(frozen=True)
class Reading:
    penalty: float
    surname: str  # class id; "~<class>" for a surname not in the table; "" for none
    surname_sound: str
    given: tuple[str, ...]
    script: str  # hangul, hanja, romanised, pinyin


def read_hangul(family: str | None, given: str | None, whole: str | None) -> list[Reading]:
    lex = lexicon()
    if whole is not None:
        words = ["".join(char for char in word if is_hangul(char)) for word in whole.split()]
        words = [word for word in words if word]
        if len(words) >= 2:
            splits = [(words[0], "".join(words[1:]), 0.0)]
        elif words and words[0] in lex.by_hangul:  # a surname alone: 남궁, 김
            splits = [(words[0], "", 0.0)]
        elif words and len(words[0]) >= 3 and words[0][:2] in lex.by_hangul:
            splits = [(words[0][:2], words[0][2:], 0.0), (words[0][:1], words[0][1:], 0.5)]
        else:
            splits = [(words[0][:1], words[0][1:], 0.0)] if words else []
    else:
        splits = [("".join(c for c in family or "" if is_hangul(c)),
                   "".join(c for c in given or "" if is_hangul(c)), 0.0)]
    readings = []
    for fam, giv, penalty in splits:
        sound = "".join(hangul_class(char) for char in fam)
        entry = lex.by_hangul.get(fam)
        ident = entry.id if entry else (f"~{sound}" if fam else "")
        readings.append(Reading(penalty + (0 if entry or not fam else 2), ident, sound,
                                tuple(hangul_class(char) for char in giv), "hangul"))
    return readings


def _hanja_syllable(char: str) -> list[tuple[str, float]]:
    """Classes for one Chinese character of a given name: the hanja package's reading, or,
    for a character it does not know, the Korean syllables its pinyin points to."""
    reading = hanja.translate(char, "substitution")
    if isinstance(reading, str) and len(reading) == 1 and is_hangul(reading):
        return [(hangul_class(reading), 0.0)]
    classes = lexicon().pinyin_classes.get(pinyin_of(char), ())
    return [(klass, 0.5 + 0.05 * rank) for rank, klass in enumerate(classes)] or [("?", 2.0)]


def _hanja_surname(chars: str) -> tuple[str, str, float]:
    """A family name in Chinese characters. The surname table wins over the hanja package,
    whose reading is the common one, not the surname's: 金 is 금 there but 김 as a surname,
    沈 is 침 there but 심."""
    lex = lexicon()
    entry = lex.by_hanja.get(chars)
    if entry is not None:
        return entry.id, lex.phonetic(entry), 0.0
    reading = hanja.translate(chars, "substitution")
    if isinstance(reading, str) and reading and all(is_hangul(char) for char in reading):
        sound = "".join(hangul_class(char) for char in reading)
        known = lex.by_hangul.get(reading)
        return (known.id, sound, 0.5) if known else (f"~{sound}", sound, 2.0)
    return f"?{chars}", chars, 3.0


def read_hanja(family: str | None, given: str | None, whole: str | None) -> list[Reading]:
    lex = lexicon()
    if whole is not None:
        chars = "".join(char for char in whole if is_han(char))
        splits = [(chars[:1], chars[1:], 0.0)]
        if chars in lex.by_hanja:  # a surname alone: 南宮, 金
            splits = [(chars, "", 0.0)]
        elif len(chars) >= 3 and chars[:2] in lex.by_hanja:
            splits.insert(0, (chars[:2], chars[2:], 0.0))
            splits[1] = (chars[:1], chars[1:], 0.5)
    else:
        splits = [("".join(c for c in family or "" if is_han(c)),
                   "".join(c for c in given or "" if is_han(c)), 0.0)]
    readings = []
    for fam, giv, penalty in splits:
        ident, sound, cost = _hanja_surname(fam) if fam else ("", "", 0.0)
        for combo in itertools.product(*(_hanja_syllable(char) for char in giv)):
            readings.append(Reading(penalty + cost + sum(c for _, c in combo), ident, sound,
                                    tuple(k for k, _ in combo), "hanja"))
    return readings


def _korean_chunk(lex: Lexicon, chunk: str) -> list[tuple[tuple[str, ...], float]]:
    splits = segment(chunk)
    shortest = min((len(split) for split in splits), default=0)
    options = [(split, sum(0.0 if klass in lex.known else 2.0 for klass in split)
                + 0.5 * (len(split) - shortest)) for split in splits]
    return sorted(options, key=lambda option: option[1])[:PER_CHUNK]


def _edits(word: str) -> dict[str, float]:
    """Every string one slip away, with what undoing the slip costs: a letter typed twice
    removed, two neighbours swapped back, a dropped letter put back (each :data:`REPAIR`), or
    a stray letter removed (a little more: lists double and drop letters more than they add
    foreign ones)."""
    out: dict[str, float] = {}
    for i in range(len(word)):
        doubled = word[i] in word[max(i - 1, 0):i] + word[i + 1:i + 2]
        out.setdefault(word[:i] + word[i + 1:], REPAIR if doubled else REPAIR + 0.25)
    for i in range(len(word) - 1):
        out.setdefault(word[:i] + word[i + 1] + word[i] + word[i + 2:], REPAIR)
    for i in range(1, len(word)):
        for letter in _DROPPED:
            out.setdefault(word[:i] + letter + word[i:], REPAIR)
    out.pop(word, None)
    return out


@functools.cache
def repaired(chunk: str) -> tuple[tuple[tuple[str, ...], float], ...]:
    """Readings of a run-on given name with one typing slip undone, all syllables known; of
    equal repairs, the one with fewer syllables first (as for clean spellings)."""
    if not chunk.isascii() or not chunk.isalpha():
        return ()
    lex = lexicon()
    found: dict[tuple[str, ...], float] = {}
    for edit, cost in _edits(chunk).items():
        for split, penalty in _korean_chunk(lex, edit):
            if penalty < 2.0 and penalty + cost < found.get(split, 99.0):
                found[split] = penalty + cost
    fewest = min((len(split) for split in found), default=0)
    ranked = sorted(((split, round(penalty + 0.25 * (len(split) - fewest), 3))
                     for split, penalty in found.items()), key=lambda option: option[1])
    return tuple(ranked[:PER_CHUNK])


def _pinyin_chunk(lex: Lexicon, chunk: str) -> list[tuple[tuple[str, ...], float]]:
    """Pinyin syllables of a chunk ("zhezhu" → zhe zhu), each read as the Korean syllables
    whose name characters have that reading."""
    def splits(start: int) -> Iterable[tuple[str, ...]]:
        if start == len(chunk):
            yield ()
        for end in range(start + 1, min(len(chunk), start + 6) + 1):
            if chunk[start:end] in lex.pinyin_classes:
                for rest in splits(end):
                    yield (chunk[start:end], *rest)

    options: list[tuple[tuple[str, ...], float]] = []
    for syllables in itertools.islice(splits(0), 8):
        choices = [list(enumerate(lex.pinyin_classes[s])) for s in syllables]
        for combo in itertools.product(*choices):
            options.append((tuple(k for _, k in combo),
                            0.05 * sum(r for r, _ in combo) + 0.1 * (len(combo) - 1)))
    return sorted(options, key=lambda option: option[1])[:PER_CHUNK * 2]


def _latin_surnames(lex: Lexicon, word: str, script: str) -> list[tuple[str, str, float]]:
    folded = "".join(part for part in fold_latin(word).split("-"))
    own, other = (lex.by_pinyin, lex.by_latin) if script == "pinyin" else \
        (lex.by_latin, lex.by_pinyin)
    found = [(entry.id, lex.phonetic(entry), 0.01 * rank)
             for rank, entry in enumerate(own.get(folded, ()))]
    found += [(entry.id, lex.phonetic(entry), 1.5 + 0.01 * rank)
              for rank, entry in enumerate(other.get(folded, ()))]
    for split in segment(folded)[:2] if not found else ():
        sound = "".join(split)
        found += [(entry.id, sound, 1.0) for entry in lex.by_class.get(sound, ())]
        found.append((f"~{sound}", sound, 2.0))
    if not any(cost <= 1.0 for *_, cost in found) and len(folded) >= 4:
        near = process.extractOne(folded, list(lex.by_latin), scorer=OSA.distance,
                                  score_cutoff=1)
        if near is not None:
            found += [(entry.id, lex.phonetic(entry), NEAR_SURNAME + 0.01 * rank)
                      for rank, entry in enumerate(lex.by_latin[near[0]])]
    return found or [(f"?{folded}", folded, 3.0)]


def _given_options(lex: Lexicon, words: Sequence[str], script: str
                   ) -> list[tuple[tuple[str, ...], float]]:
    chunks = [fold_latin(chunk) for word in words for chunk in word.split("-") if chunk]
    reader = _pinyin_chunk if script == "pinyin" else _korean_chunk
    per_chunk = [reader(lex, chunk) for chunk in chunks]
    unclean = any(not options or options[0][1] >= 2.0 for options in per_chunk)
    if script != "pinyin":  # a chunk that does not read cleanly may hold a slip: undo it
        per_chunk = [options if options and options[0][1] < 2.0 else
                     sorted([*options, *repaired(chunk)], key=lambda o: o[1])[:PER_CHUNK]
                     for chunk, options in zip(chunks, per_chunk, strict=True)]
    per_chunk = [options or [((), 99.0)] for options in per_chunk]
    combos = [(tuple(k for split, _ in combo for k in split), sum(p for _, p in combo))
              for combo in itertools.product(*per_chunk)]
    if script != "pinyin" and len(chunks) > 1 and unclean:
        joined = "".join(chunks)  # a slip across the space or hyphen ("S ERYON", "G-aok")
        combos += [(split, p + REJOIN) for split, p in _korean_chunk(lex, joined) if p < 2.0]
        if min(p for _, p in combos) >= 2.0:
            combos += list(repaired(joined))
    return [(given, penalty + (2.0 if len(given) > 3 else 0.0)) for given, penalty in combos]


def _orders(whole: str) -> list[tuple[list[str], list[str], float]]:
    """(family words, given words, penalty) for the ways a Latin name may be ordered."""
    if "," in whole:
        family, given = whole.split(",", 1)
        return [(_WORD.findall(family), _WORD.findall(given), 0.0)]
    words = [word for word in whole.split() if _WORD.search(word)]
    capitals = [word for word in words if word.isupper() and len(word) > 1]
    if len(capitals) == 1 and len(words) > 1 and not all(word.isupper() for word in words):
        family = capitals[0]  # "Chol Su KIM": the word in capitals is the family name
        return [([family], [word for word in words if word is not family], 0.0)]
    if len(words) == 1:
        return [(words, [], 0.0)]
    return [(words[:1], words[1:], 0.0), (words[-1:], words[:-1], 1.0)]


def read_latin(family: str | None, given: str | None, whole: str | None) -> list[Reading]:
    lex = lexicon()
    orders = _orders(whole) if whole is not None else \
        [(_WORD.findall(family or ""), _WORD.findall(given or ""), 0.0)]
    readings = []
    for family_words, given_words, order_penalty in orders:
        for script, base in (("romanised", 0.0), ("pinyin", 0.5)):
            options = _given_options(lex, given_words, script) if given_words else [((), 0.0)]
            if not options:
                continue
            surnames = _latin_surnames(lex, "".join(family_words), script) \
                if family_words else [("", "", 0.0)]
            for (ident, sound, cost), (syllables, penalty) in itertools.product(surnames,
                                                                                  options):
                readings.append(Reading(order_penalty + base + cost + penalty, ident, sound,
                                        syllables, script))
    readings = [reading for reading in readings if reading.penalty < 50]
    if orders and all(reading.surname[:1] in ("?", "~") for reading in readings):
        # Nothing reads as a known surname with a given name: keep the letters of the given
        # name, so equal stays equal, but keep a surname that reads (an unreadable given name
        # costs 3, as an unreadable surname does; a name with neither costs 9).
        family_words, given_words, _ = orders[0]
        raw_given = tuple("?" + fold_latin(word) for word in given_words)
        for ident, sound, cost in _latin_surnames(lex, "".join(family_words), "romanised") \
                if family_words else [("", "", 0.0)]:
            readings.append(Reading((3.0 if cost <= 1.0 else 9.0) + cost, ident, sound,
                                    raw_given, "romanised"))
    return readings
