"""The report's words, one data file per language (``strings/en.toml``, ``strings/ko.toml``).

The report is a document rather than a page of the web application, so its prose lives beside
it in plain files a translator can edit whole, not in gettext catalogues of short messages.
Labels that other domains own (act types, statuses, provinces) come from those domains'
vocabularies in the same language.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from surplace.errors import InvalidInput

FOLDER = Path(__file__).with_name("strings")
LANGUAGES = ("en", "ko")


@cache
def load(language: str) -> dict[str, dict[str, Any]]:
    if language not in LANGUAGES:
        raise InvalidInput(f"language: {language!r} is not one of {', '.join(LANGUAGES)}.")
    with (FOLDER / f"{language}.toml").open("rb") as handle:
        return tomllib.load(handle)


class Strings:
    """``words("time", "heading")`` or ``words("summary", "documented", n=12)``."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.table = load(language)

    def __call__(self, section: str, key: str, **values: Any) -> str:
        text = self.table[section][key]
        return str(text).format(**values) if values else str(text)

    def items(self, section: str, key: str) -> list[str]:
        return [str(item) for item in self.table[section][key]]


def missing_keys() -> list[str]:
    """``language:section.key`` for every key one language has and another lacks."""
    keys = {language: {(section, key) for section, entries in load(language).items()
                       for key in entries} for language in LANGUAGES}
    every = set().union(*keys.values())
    return sorted(f"{language}:{section}.{key}" for language in LANGUAGES
                  for section, key in every - keys[language])
