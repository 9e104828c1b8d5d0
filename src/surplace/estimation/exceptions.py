"""Errors of the estimation domain.

Every error here is something the user can fix in the input or the choice of method, so the
whole hierarchy descends from :class:`surplace.errors.InvalidInput`::

    EstimationError                     (InvalidInput)
    ├── HistoriesError                  the capture-history table is unusable
    │   ├── EmptyTable                  no rows, or no header
    │   ├── MissingColumn               a named list, count or stratum column is absent
    │   ├── NotBinary                   a list column holds something other than 0 or 1
    │   ├── BadCount                    a count is missing, negative or fractional
    │   ├── TooFewLists                 fewer than two lists
    │   ├── UnseenCell                  a row says "on no list" yet counts people
    │   └── BadStructuralZero           a declared structural zero is malformed or observed
    └── MethodNotApplicable             the method cannot estimate from these data (e.g. two-list
                                        estimators with no overlap, dga with more than 5 lists)

Messages name the column and the line of the file (line 1 is the header), never a person.
"""

from __future__ import annotations

from surplace.errors import InvalidInput


class EstimationError(InvalidInput):
    """Base class of estimation errors; the message is safe to show."""


class HistoriesError(EstimationError):
    """The capture-history table cannot be used as it is."""


class EmptyTable(HistoriesError):
    pass


class MissingColumn(HistoriesError):
    def __init__(self, column: str, role: str, available: list[str]) -> None:
        shown = ", ".join(available) if available else "none"
        super().__init__(f"No {role} column {column!r} in the table (columns: {shown}).")


class NotBinary(HistoriesError):
    def __init__(self, column: str, line: int, value: object) -> None:
        super().__init__(
            f"List column {column!r}, line {line}: {value!r} is not 0 or 1 "
            "(each list column says whether the row's people are on that list).")


class BadCount(HistoriesError):
    def __init__(self, column: str, line: int, value: object, why: str) -> None:
        super().__init__(f"Count column {column!r}, line {line}: {value!r} {why}.")


class TooFewLists(HistoriesError):
    pass


class UnseenCell(HistoriesError):
    def __init__(self, line: int) -> None:
        super().__init__(
            f"Line {line}: a row on no list counts people, but nobody on no list can have been "
            "counted — that cell is what the estimate is for. Remove the row or set its count "
            "to 0.")


class BadStructuralZero(HistoriesError):
    pass


class MethodNotApplicable(EstimationError):
    """The chosen method cannot give an estimate for these data; the message says why and
    what to use instead."""
