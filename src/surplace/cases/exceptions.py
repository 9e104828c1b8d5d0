"""Errors of the cases domain. Messages name cases by case number or id, staff by account name,
and work items by id: never a refugee's name, a place, or anything a person said.

    CasesError
    ├── CaseNotFound         no case with that id or number
    ├── IllegalTransition    the workflow does not allow that move now; the message says which rule
    ├── CaseInputError       a bad value for a case (also: a person or family member not on it)
    │   ├── FutureDate         a date that has not happened yet, given for something that has
    │   └── UnknownCaseworker  no active staff account with that name, or one whose role cannot
    │                          work on cases
    ├── WorkItemNotFound     no alert, intervention, referral, consent or interview with that id
    └── WorkItemClosed       the alert is resolved, the referral answered, the consent withdrawn,
                             the intervention over

Access refusals are the policy's :class:`~surplace.access.policy.AccessDenied`; unknown
vocabulary terms are :class:`~surplace.errors.InvalidInput`, with the nearest term suggested.
"""

from __future__ import annotations

from datetime import date

from surplace.errors import SurplaceError


class CasesError(SurplaceError):
    """Base class for case errors; the message is safe to show and to log."""


class CaseNotFound(CasesError):
    def __init__(self, reference: str) -> None:
        super().__init__(f"No case {reference!r} (give a case id or case number).")


class IllegalTransition(CasesError):
    pass


class CaseInputError(CasesError):
    pass


class FutureDate(CaseInputError):
    def __init__(self, what: str, value: date, today: date) -> None:
        super().__init__(f"{what}: {value.isoformat()} is in the future (today is "
                         f"{today.isoformat()}); record things once they have happened.")


class UnknownCaseworker(CaseInputError):
    def __init__(self, name: str, reason: str = "there is no active staff account by that name"
                 ) -> None:
        super().__init__(f"Unknown caseworker {name!r}: {reason}.")


class WorkItemNotFound(CasesError):
    def __init__(self, kind: str, item_id: str) -> None:
        super().__init__(f"No {kind} {item_id!r}.")


class WorkItemClosed(CasesError):
    pass
