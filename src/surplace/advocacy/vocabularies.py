"""The tracker's vocabularies (status judgements, kinds of evidence) in ``vocabularies.toml``.

Loading, checking and suggestions are the shared ones of :mod:`surplace.records.vocabularies`,
pointed at this domain's file, so a term is added by editing data, not code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from surplace.records import vocabularies as record_vocabularies

VOCABULARY_FILE = Path(__file__).with_name("vocabularies.toml")
LANGUAGES = ("en", "ko", "zh")


def terms(vocabulary: str) -> dict[str, dict[str, Any]]:
    return record_vocabularies.terms(vocabulary, file=VOCABULARY_FILE)


def label(vocabulary: str, term: str, language: str = "en") -> str:
    """The term's label in a language, or the term itself if it has none (never fails)."""
    entry = terms(vocabulary).get(term)
    return str(entry.get(language, term)) if entry else term


def check(vocabulary: str, value: str, *, field: str) -> str:
    return record_vocabularies.check(vocabulary, value, field=field, file=VOCABULARY_FILE)


def missing_labels() -> list[str]:
    """``vocabulary.term.language`` for every absent or blank label (empty when complete)."""
    missing = []
    for name, entries in record_vocabularies.load(VOCABULARY_FILE).items():
        for term, entry in entries.items():
            for language in LANGUAGES:
                text = entry.get(language)
                if not isinstance(text, str) or not text.strip():
                    missing.append(f"{name}.{term}.{language}")
    return missing
