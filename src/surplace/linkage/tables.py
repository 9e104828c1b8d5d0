"""Loading the linkage data files (``data/*.toml``) and refusing them when they are wrong.

The tables are edited by hand by people who know Korean names, not Python, so every load checks
them whole and the first mistake stops it with a message naming the file, the entry and the
field: a surname listed twice under two classes would silently split one family name in two.
Indexes that need the syllable classes are built in :mod:`surplace.linkage.lexicon`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from surplace.errors import InvalidInput

DATA = Path(__file__).with_name("data")


class LinkageDataError(InvalidInput):
    """A linkage data file breaks a rule; the message names the file, the entry and the field."""


@dataclass(frozen=True)
class JamoTables:
    """The jamo groups and romanisations of ``jamo.toml`` (see the file for what each means)."""

    initial_group: tuple[str, ...]
    medial_group: tuple[str, ...]
    final_group: tuple[str, ...]
    romanisation: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]]
    drop_before: frozenset[str]
    r_elsewhere: str
    latin_initial: dict[str, str]
    latin_vowel: dict[str, str]
    latin_final: dict[str, str]
    #: (spelling part, example) for every Latin rule, so tests can exercise each one.
    latin_examples: tuple[tuple[str, str, str], ...]


@dataclass(frozen=True)
class Surname:
    """One surname class: every Hangul, Chinese and Latin form lists write it in."""

    id: str
    hangul: tuple[str, ...]
    hanja: tuple[str, ...]
    latin: tuple[str, ...]
    pinyin: tuple[str, ...]


def _read(name: str) -> dict[str, Any]:
    path = DATA / name
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise LinkageDataError(f"{name}: not valid TOML ({error}).") from None


def _strings(where: str, value: Any, *, length: int | None = None) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise LinkageDataError(f"{where} must be a list of strings.")
    if length is not None and len(value) != length:
        raise LinkageDataError(f"{where} must have {length} entries (has {len(value)}).")
    return tuple(value)


@cache
def jamo_tables() -> JamoTables:
    """``jamo.toml``, checked: 19 initials, 21 medials, 28 finals, and a group for each spelling."""
    data = _read("jamo.toml")
    sizes = {"initial": 19, "medial": 21, "final": 28}
    groups = {part: _strings(f"jamo.toml: {part}.group", data[part]["group"], length=size)
              for part, size in sizes.items()}
    romanisation = {}
    for system in ("rr", "mr", "dprk"):
        parts = tuple(
            _strings(f"jamo.toml: {part}.{system}",
                     data[part].get(system, data[part].get("rr")), length=size)
            for part, size in sizes.items())
        romanisation[system] = (parts[0], parts[1], parts[2])
    rule = data["initial_sound_rule"]
    latin = data["latin"]
    spelled: dict[str, dict[str, str]] = {}
    examples: list[tuple[str, str, str]] = []
    for part, valid in (("initial", groups["initial"]), ("vowel", groups["medial"]),
                        ("final", groups["final"])):
        spelled[part] = {}
        for spelling, entry in latin[part].items():
            group, example = entry.get("group"), entry.get("example")
            if group not in valid:
                raise LinkageDataError(f"jamo.toml: latin.{part} {spelling!r}: group {group!r} "
                                       "is not a group of the Hangul tables.")
            if not isinstance(example, str) or " = " not in example:
                raise LinkageDataError(f"jamo.toml: latin.{part} {spelling!r}: example must "
                                       "read 'Latin = 한글'.")
            spelled[part][spelling] = str(group)
            examples.append((part, spelling, example))
    return JamoTables(
        initial_group=groups["initial"], medial_group=groups["medial"],
        final_group=groups["final"], romanisation=romanisation,
        drop_before=frozenset(_strings("jamo.toml: drop_before", rule["drop_before"])),
        r_elsewhere=str(rule["r_elsewhere"]), latin_initial=spelled["initial"],
        latin_vowel=spelled["vowel"], latin_final=spelled["final"],
        latin_examples=tuple(examples))


@cache
def surname_table() -> tuple[Surname, ...]:
    """``surnames.toml``, checked: unique ids, and no Hangul or Chinese form in two classes."""
    entries: list[Surname] = []
    owners: dict[str, str] = {}
    for index, raw in enumerate(_read("surnames.toml").get("surname", []), start=1):
        ident = raw.get("id")
        where = f"surnames.toml: surname {ident!r}" if ident else f"surnames.toml: #{index}"
        if not isinstance(ident, str) or not ident.isascii() or not ident.islower():
            raise LinkageDataError(f"{where}: id must be a lower-case ASCII word.")
        fields = {field: _strings(f"{where}: {field}", raw.get(field, []))
                  for field in ("hangul", "hanja", "latin", "pinyin")}
        if not fields["hangul"] or not fields["latin"]:
            raise LinkageDataError(f"{where}: hangul and latin must not be empty.")
        for field in ("hangul", "hanja"):
            for form in fields[field]:
                owner = owners.setdefault(form, ident)
                if owner != ident:
                    raise LinkageDataError(f"{where}: {field} {form!r} is also in {owner!r}.")
        for field, values in fields.items():
            if len(set(values)) != len(values):
                raise LinkageDataError(f"{where}: {field} lists a form twice.")
        if ident in {entry.id for entry in entries}:
            raise LinkageDataError(f"{where}: id is used twice.")
        entries.append(Surname(id=ident, **fields))
    return tuple(entries)


@cache
def syllable_table() -> dict[str, tuple[str, ...]]:
    """``syllables.toml``: given-name syllable (one Hangul syllable) → its name characters."""
    table: dict[str, tuple[str, ...]] = {}
    for syllable, characters in _read("syllables.toml").get("syllable", {}).items():
        where = f"syllables.toml: {syllable!r}"
        if len(syllable) != 1 or not "\uac00" <= syllable <= "\ud7a3":
            raise LinkageDataError(f"{where}: key must be one Hangul syllable.")
        values = _strings(where, characters)
        if len(set(values)) != len(values):
            raise LinkageDataError(f"{where}: lists a character twice.")
        table[syllable] = values
    return table
