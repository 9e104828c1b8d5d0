"""Errors of the records domain.

    RecordsError
    ├── PersonNotFound     no person with that id or pseudonym
    └── RecordImmutable    an attempt to change a stored record in place
"""

from __future__ import annotations

from surplace.errors import SurplaceError


class RecordsError(SurplaceError):
    pass


class PersonNotFound(RecordsError):
    def __init__(self, reference: str) -> None:
        super().__init__(f"No person {reference!r}.")


class RecordImmutable(RecordsError):
    def __init__(self, record_id: str) -> None:
        super().__init__(
            f"Record {record_id} is stored as received and cannot be changed; add a new record "
            "that supersedes it."
        )
