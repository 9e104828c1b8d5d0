"""The incident vocabularies: act types and their extension fields, perpetrator units, grading.

The terms live in ``vocabularies.toml`` beside this module, not in code, so that an
organisation can review and extend them without a programmer. Loading and checking are the
shared ones of :mod:`surplace.records.vocabularies` (an unknown value is refused naming the
field, with the nearest terms suggested), pointed at this domain's file.

Source reliability (Admiralty A–F) is shared with sources and records, so it is read from the
records vocabulary rather than copied here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from surplace.records import vocabularies as record_vocabularies

VOCABULARY_FILE = Path(__file__).with_name("vocabularies.toml")
LANGUAGES = ("en", "ko", "zh")

#: Every act-type extension field; an act type names the ones that apply to it.
EXTENSION_FIELDS = ("detention_kind", "detention_place", "legal_counsel", "whereabouts",
                    "return_from_place", "handed_to_unit", "crossing_point", "method")


def vocabularies() -> dict[str, dict[str, dict[str, Any]]]:
    return record_vocabularies.load(VOCABULARY_FILE)


def _file(vocabulary: str) -> Path:
    return record_vocabularies.VOCABULARY_FILE if vocabulary == "reliability" else VOCABULARY_FILE


def terms(vocabulary: str) -> dict[str, dict[str, Any]]:
    return record_vocabularies.terms(vocabulary, file=_file(vocabulary))


def label(vocabulary: str, term: str, language: str = "en") -> str:
    """The term's label in a language, or the term itself if it has none (never fails)."""
    entry = terms(vocabulary).get(term)
    return str(entry.get(language, term)) if entry else term


def check(vocabulary: str, value: str, *, field: str) -> str:
    """The value if it is a term of the vocabulary; otherwise a refusal that suggests terms."""
    return record_vocabularies.check(vocabulary, value, field=field, file=_file(vocabulary))


def extension_fields(act_type: str) -> frozenset[str]:
    """The extension fields that apply to an act type (for example forced return: from where,
    handed to which unit, through which crossing point)."""
    return frozenset(terms("act_type")[act_type].get("fields", ()))


def missing_labels(data: dict[str, dict[str, dict[str, Any]]] | None = None) -> list[str]:
    """``vocabulary.term.language`` for every label that is absent or blank in ``data`` (this
    domain's file by default); empty when complete, so a test holds every term to all three
    languages."""
    missing = []
    for name, entries in (vocabularies() if data is None else data).items():
        for term, entry in entries.items():
            for language in LANGUAGES:
                text = entry.get(language)
                if not isinstance(text, str) or not text.strip():
                    missing.append(f"{name}.{term}.{language}")
    return missing
