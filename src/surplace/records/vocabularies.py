"""Loading the controlled vocabularies and checking values against them.

Every domain keeps its vocabularies in a TOML file of its own (``records/vocabularies.toml``,
``cases/vocabularies.toml`` …): one table per vocabulary, one entry per term, each with at least
English, Korean and Chinese labels. The functions here take the file as an argument (the records
file by default), so a domain does not copy the loader or the suggestion logic.

An unknown value is refused with the nearest known terms suggested (difflib's ratio, which is
enough for short codes; the linkage engine does the real fuzzy matching of names).
"""

from __future__ import annotations

import difflib
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from surplace.errors import InvalidInput

VOCABULARY_FILE = Path(__file__).with_name("vocabularies.toml")
LANGUAGES = ("en", "ko", "zh")


@cache
def load(file: Path) -> dict[str, dict[str, dict[str, Any]]]:
    """Every vocabulary of one file, read once per process."""
    with file.open("rb") as handle:
        return tomllib.load(handle)


def vocabularies() -> dict[str, dict[str, dict[str, Any]]]:
    return load(VOCABULARY_FILE)


def terms(vocabulary: str, *, file: Path = VOCABULARY_FILE) -> dict[str, dict[str, Any]]:
    return load(file)[vocabulary]


def suggestion(value: str, known: list[str]) -> str:
    """The "; did you mean …?" tail of a refusal (or the known terms when none is near)."""
    nearest = difflib.get_close_matches(value, known, n=3, cutoff=0.4)
    return f"; did you mean {', '.join(nearest)}?" if nearest else f"; known: {', '.join(known)}"


def check(vocabulary: str, value: str, *, field: str, file: Path = VOCABULARY_FILE) -> str:
    known = terms(vocabulary, file=file)
    if value in known:
        return value
    raise InvalidInput(f"{field}: {value!r} is not a known {vocabulary.replace('_', ' ')}"
                       f"{suggestion(value, list(known))}")
