"""Errors of the records domain.

    RecordsError
    ├── PersonNotFound     no person with that id or pseudonym
    └── RecordImmutable    an attempt to change a stored record in place
"""

from __future__ import annotations

import re

from surplace.errors import SurplaceError


class RecordsError(SurplaceError):
    pass


_ID_OR_PSEUDONYM = re.compile(
    r"(?i)(P-[0-9A-Z-]{1,20}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")


def shown_reference(reference: str) -> str:
    """What was given for a person, quoted for a message only if it has the shape of an id or a
    pseudonym: people type names into such fields, and a refusal must not carry a name into a
    page, a log line or an API answer."""
    wanted = reference.strip()
    if _ID_OR_PSEUDONYM.fullmatch(wanted):
        return repr(wanted)
    return "(what was given is not shown: it is neither a person id nor a pseudonym)"


class PersonNotFound(RecordsError):
    def __init__(self, reference: str) -> None:
        super().__init__(f"No person {shown_reference(reference)}.")


class RecordImmutable(RecordsError):
    def __init__(self, record_id: str) -> None:
        super().__init__(
            f"Record {record_id} is stored as received and cannot be changed; add a new record "
            "that supersedes it."
        )
