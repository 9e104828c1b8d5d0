"""What an export is asked for and what it reports back."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from pydantic import BaseModel, Field, field_validator

from surplace.errors import InvalidInput


class Kind(StrEnum):
    persons = "persons"
    records = "records"
    incidents = "incidents"
    acts = "acts"
    cases = "cases"


class Format(StrEnum):
    csv = "csv"
    json = "json"
    jsonl = "jsonl"
    hxl = "hxl"


class Of(StrEnum):
    """What an aggregate table counts."""

    persons = "persons"
    acts = "acts"
    cases = "cases"


class Level(StrEnum):
    """How much of the identities an export carries (recorded in the audit entry).

    ``full``: identities of everyone (a role with ``identity.read`` that sees every case);
    ``cases``: identities only of the persons on the cases the exporter may see (a caseworker),
    pseudonyms for the rest; ``pseudonymised``: pseudonyms and the clear statistical columns;
    ``aggregate``: counts only, with disclosure control.
    """

    full = "full"
    cases = "cases"
    pseudonymised = "pseudonymised"
    aggregate = "aggregate"


#: The dimensions an aggregate table can be broken down by ("type" is accepted for act_type).
DIMENSIONS = ("year", "province", "sex", "act_type")


def parse_dimensions(text: str | Sequence[str]) -> tuple[str, ...]:
    """``year,province`` → ``("year", "province")``; unknown or repeated names are refused."""
    items = text.split(",") if isinstance(text, str) else list(text)
    names: list[str] = []
    for raw in items:
        name = raw.strip().lower()
        name = "act_type" if name == "type" else name
        if name not in DIMENSIONS:
            raise InvalidInput(f"--by: {raw.strip()!r} is not one of {', '.join(DIMENSIONS)}.")
        if name in names:
            raise InvalidInput(f"--by: {name} is given twice.")
        names.append(name)
    if not names:
        raise InvalidInput(f"--by: give one or more of {', '.join(DIMENSIONS)}.")
    return tuple(names)


class Filters(BaseModel):
    """Narrowing an export: event year, province, act type. What a filter means depends on the
    kind (the year of a record's event, of an act, of a case's opening; a person's province of
    origin, an act's province); a filter that means nothing for a kind is refused."""

    year: int | None = Field(default=None, ge=1900, le=2200)
    province: str | None = Field(default=None, max_length=16)
    act_type: str | None = Field(default=None, max_length=48)

    @field_validator("province")
    @classmethod
    def _province(cls, value: str | None) -> str | None:
        return None if value is None else value.strip().upper()

    def given(self) -> dict[str, str]:
        return {key: str(value) for key, value in self.model_dump().items() if value is not None}


def check_recipient(value: str | None, *, required: bool) -> str | None:
    """The organisation an export is for: required for row exports, kept in the audit chain."""
    if value is None or not value.strip():
        if required:
            raise InvalidInput("--for: name the organisation the export is for (required for "
                               "every export that is not an aggregate table).")
        return None
    text = " ".join(value.split())
    if len(text) > 128 or any(not ch.isprintable() for ch in text):
        raise InvalidInput("--for: an organisation name of at most 128 printable characters.")
    return text


class ExportResult(BaseModel):
    export_id: str
    kind: str
    format: str
    rows: int
    redaction: str
    recipient: str | None
    filters: dict[str, str]
    sha256: str
    #: Aggregates only: the dimensions, the threshold and how many cells were suppressed.
    by: list[str] | None = None
    threshold: int | None = None
    suppressed: int | None = None
