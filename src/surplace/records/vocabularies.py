"""Loading the controlled vocabularies and checking values against them.

An unknown value is refused with the nearest known terms suggested (difflib's ratio, which is
enough for short codes; the linkage engine does the real fuzzy matching of names).
"""

from __future__ import annotations

import difflib
import tomllib
from functools import cache
from pathlib import Path

from surplace.errors import InvalidInput

VOCABULARY_FILE = Path(__file__).with_name("vocabularies.toml")
LANGUAGES = ("en", "ko", "zh")


@cache
def vocabularies() -> dict[str, dict[str, dict[str, str]]]:
    with VOCABULARY_FILE.open("rb") as handle:
        return tomllib.load(handle)


def terms(vocabulary: str) -> dict[str, dict[str, str]]:
    return vocabularies()[vocabulary]


def check(vocabulary: str, value: str, *, field: str) -> str:
    known = terms(vocabulary)
    if value in known:
        return value
    nearest = difflib.get_close_matches(value, list(known), n=3, cutoff=0.4)
    hint = f"; did you mean {', '.join(nearest)}?" if nearest else f"; known: {', '.join(known)}"
    raise InvalidInput(f"{field}: {value!r} is not a known {vocabulary.replace('_', ' ')}{hint}")
