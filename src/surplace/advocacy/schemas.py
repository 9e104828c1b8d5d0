"""Input and output shapes of the recommendations tracker.

Input models check what can be checked without the store (the code's form, dates not in the
future, vocabulary terms with the nearest suggested); the service resolves references.
:func:`parse` turns any refusal into one :class:`~surplace.errors.InvalidInput` naming the field.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from surplace.advocacy import vocabularies
from surplace.errors import InvalidInput

M = TypeVar("M", bound=BaseModel)

#: A code is the recommendation's identity (see the service's docstring), so it fits the id
#: column (36 characters) and is typed back easily: letters, digits, '.', '-' and '_'.
CODE = re.compile(r"^[A-Z0-9][A-Z0-9._-]{1,35}$")


def parse(model: type[M], data: M | Mapping[str, Any]) -> M:
    """Validate input into ``model``; the first problem becomes InvalidInput naming its field."""
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "input"
        message = ("is required" if first["type"] == "missing"
                   else str(first["msg"]).removeprefix("Value error, "))
        raise InvalidInput(f"{where}: {message}") from None


def normal_code(value: str) -> str:
    """The code as stored: trimmed and upper-case (``hrw-2013-1`` finds ``HRW-2013-1``)."""
    return value.strip().upper()


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class RecommendationIn(Strict):
    code: str
    addressee: str = Field(min_length=1, max_length=128)
    issuer: str = Field(min_length=1, max_length=128)
    issued_on: dt.date | None = None
    text: str = Field(min_length=1, max_length=20_000)

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        code = normal_code(value)
        if not CODE.match(code):
            raise ValueError(f"{value!r} must be 2–36 letters, digits, '.', '-' or '_' "
                             "(e.g. HRW-2013-1)")
        return code

    @field_validator("issued_on")
    @classmethod
    def _not_future(cls, value: dt.date | None) -> dt.date | None:
        if value is not None and value > dt.date.today():
            raise ValueError(f"{value.isoformat()} is in the future")
        return value


class StatusIn(Strict):
    status: str
    reason: str = Field(min_length=1, max_length=20_000)

    @field_validator("status")
    @classmethod
    def _status(cls, value: str) -> str:
        return vocabularies.check("status", value.strip().lower(), field="status")


class EvidenceIn(Strict):
    object_type: str
    object_id: str = Field(min_length=1, max_length=36)
    note: str = Field(default="", max_length=20_000)

    @field_validator("object_type")
    @classmethod
    def _kind(cls, value: str) -> str:
        return vocabularies.check("evidence_kind", value.strip().lower(), field="object_type")


class StatusOut(BaseModel):
    """One judgement: what, why, by whom (staff account) and when."""

    id: str
    status: str
    label: str
    reason: str
    judged_by: str | None
    judged_by_name: str | None
    judged_at: dt.datetime
    #: The reason in the language asked for, when it is a catalogue's and translated there.
    translation: str | None = None


class EvidenceOut(BaseModel):
    id: str
    object_type: str
    object_id: str
    note: str
    added_by: str | None
    added_by_name: str | None
    added_at: dt.datetime


class Citation(BaseModel):
    """Where a catalogued recommendation comes from, with its verification marks."""

    text: str
    url: str | None = None
    verification: str
    recommendations_verification: str


class RecommendationSummary(BaseModel):
    code: str
    addressee: str
    issuer: str
    issued_on: dt.date | None
    text: str
    #: The latest judgement's status; None when nobody has judged it yet ("not judged").
    status: str | None
    status_label: str
    judged_at: dt.datetime | None
    evidence: int


class RecommendationOut(RecommendationSummary):
    history: list[StatusOut]
    evidence_list: list[EvidenceOut]
    citation: Citation | None = None
    #: The recommendation in the catalogue's other languages, when it is catalogued.
    translations: dict[str, str] = Field(default_factory=dict)


class IndicatorOut(BaseModel):
    """Documented acts of some types from ``since`` (and up to ``until``, in ``province``).

    ``value`` counts acts whose date is known to fall in the window; ``uncertain`` those whose
    date is only known to a month or year that straddles ``since``; ``undated`` those with no
    date at all. Neither of the last two is in ``value``: a count that says "since" must not
    hold acts that may be older.
    """

    code: str
    label: str
    act_types: list[str]
    since: dt.date | None
    until: int | None = None
    province: str | None = None
    value: int
    by_year: dict[str, int]
    uncertain: int
    undated: int
    act_ids: list[str]


class IndicatorsOut(BaseModel):
    code: str
    since: dt.date | None
    indicators: list[IndicatorOut]
