"""The case vocabularies (``cases/vocabularies.toml``) and what their extra keys mean.

Loading and checking are the records module's, pointed at this domain's file, so every
vocabulary refuses an unknown term the same way (with the nearest known terms suggested).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from surplace.records import vocabularies as shared

CASE_VOCABULARY_FILE = Path(__file__).with_name("vocabularies.toml")
VOCABULARIES = ("specific_need", "alert_kind", "intervention_kind", "intervention_status",
                "assistance_kind", "referral_kind", "consent_scope", "risk", "language")


def terms(vocabulary: str) -> dict[str, dict[str, Any]]:
    return shared.terms(vocabulary, file=CASE_VOCABULARY_FILE)


def check(vocabulary: str, value: str, *, field: str) -> str:
    return shared.check(vocabulary, value, field=field, file=CASE_VOCABULARY_FILE)


def label(vocabulary: str, value: str, language: str = "en") -> str:
    return str(terms(vocabulary).get(value, {}).get(language, value))


@dataclass(frozen=True)
class AlertKind:
    priority: int
    deadline_hours: int
    accelerates: bool


def alert_kind(kind: str) -> AlertKind:
    """Default priority and deadline of an alert kind, and whether it accelerates the case."""
    term = terms("alert_kind")[check("alert_kind", kind, field="alert kind")]
    return AlertKind(priority=int(term["priority"]), deadline_hours=int(term["deadline_hours"]),
                     accelerates=bool(term.get("accelerates", False)))


def default_unit(kind: str) -> str:
    return str(terms("assistance_kind")[check("assistance_kind", kind,
                                              field="assistance kind")]["unit"])


def final_status(status: str) -> bool:
    """Whether an intervention in this status is over."""
    return bool(terms("intervention_status")[status].get("final", False))


def consent_needed(need: str) -> str:
    """The consent scope under which a specific need may travel with a referral."""
    return str(terms("specific_need").get(need, {}).get("consent", "case_file"))
