"""Errors of the cases domain.

    CasesError
    ├── CaseNotFound        no case with that id or number
    ├── IllegalTransition   the workflow does not allow that move now; the message says which rule
    └── CaseInputError      a date in the future, an unknown caseworker, a bad value
"""

from __future__ import annotations

from surplace.errors import SurplaceError


class CasesError(SurplaceError):
    pass


class CaseNotFound(CasesError):
    def __init__(self, reference: str) -> None:
        super().__init__(f"No case {reference!r}.")


class IllegalTransition(CasesError):
    pass


class CaseInputError(CasesError):
    pass
