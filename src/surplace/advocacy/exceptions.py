"""Errors of the recommendations tracker. Recommendations are public documents, so messages may
name them by code; evidence is named by its kind and id, never by what the object holds.

    AdvocacyError
    ├── RecommendationNotFound   no recommendation with that code
    ├── EvidenceNotFound         the incident, act or estimate to attach does not exist
    └── HistoryIsAppendOnly      a status judgement was to be changed or removed (refused)

Bad input (an unknown status, a code already taken, a date in the future, an unknown
indicator) raises :class:`~surplace.errors.InvalidInput` naming the field; a data file that is
wrong raises :class:`CatalogueFileError` naming the file and the entry.
"""

from __future__ import annotations

from surplace.errors import InvalidInput, SurplaceError


class AdvocacyError(SurplaceError):
    """Base class for the tracker's errors; the message is safe to show and to log."""


class RecommendationNotFound(AdvocacyError):
    def __init__(self, code: str) -> None:
        super().__init__(f"No recommendation {code!r}; 'surplace recommendation list' shows "
                         "the codes.")


class EvidenceNotFound(AdvocacyError):
    def __init__(self, kind: str, object_id: str) -> None:
        super().__init__(f"No {kind} {object_id!r} to attach as evidence.")


class HistoryIsAppendOnly(AdvocacyError):
    def __init__(self, what: str, row_id: str) -> None:
        super().__init__(f"The {what} {row_id} is part of an append-only history; record a new "
                         "judgement instead of changing or removing one.")


class CatalogueFileError(InvalidInput):
    """A data file of the tracker (indicators, a recommendation catalogue) is wrong."""

    def __init__(self, file: str, where: str, problem: str) -> None:
        super().__init__(f"{file}: {where}: {problem}")
