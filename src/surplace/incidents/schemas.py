"""Input and output shapes for incidents, acts, claims, reviews and counts.

Input models check everything that can be checked without the store: vocabulary terms (with
the nearest terms suggested), dates in the future or ending before they start, extension fields
that do not apply to the act type. References (victims, sources, places, incidents) are
resolved by the services. :func:`parse` turns any refusal into one
:class:`~surplace.errors.InvalidInput` that names the field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from surplace.cases import vocabularies as cases_vocabularies
from surplace.errors import InvalidInput
from surplace.incidents.dates import check_dates, normalise
from surplace.incidents.vocabularies import EXTENSION_FIELDS, check, extension_fields

M = TypeVar("M", bound=BaseModel)


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


def _term(vocabulary: str, value: str | None, field: str) -> str | None:
    return None if value is None else check(vocabulary, value.strip(), field=field)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PerpetratorIn(Strict):
    """A unit from the perpetrator vocabulary, or a registered person, or both."""

    unit: str | None = None
    person: str | None = None
    degree: str = "unknown"

    @field_validator("unit")
    @classmethod
    def _unit(cls, value: str | None) -> str | None:
        return _term("perpetrator_unit", value, "unit")

    @field_validator("degree")
    @classmethod
    def _degree(cls, value: str) -> str:
        return check("involvement_degree", value, field="degree")

    @model_validator(mode="after")
    def _someone(self) -> PerpetratorIn:
        if self.unit is None and self.person is None:
            raise InvalidInput("perpetrator: give a unit or a person.")
        return self


class ActFields(Strict):
    """What a documenter or a source says about one act against one victim."""

    act_type: str
    victim: str = Field(min_length=1, max_length=64)
    date: dt.date | None = None
    date_precision: str = "day"
    end_date: dt.date | None = None
    place: str | None = Field(default=None, max_length=128)
    victim_status: str | None = None
    consequences: str | None = Field(default=None, max_length=20_000)
    perpetrators: list[PerpetratorIn] = []
    # Act-type extensions (see the act_type vocabulary for which apply to which type).
    detention_kind: str | None = None
    detention_place: str | None = Field(default=None, max_length=128)
    legal_counsel: bool | None = None
    whereabouts: str | None = Field(default=None, max_length=2_000)
    return_from_place: str | None = Field(default=None, max_length=128)
    handed_to_unit: str | None = None
    crossing_point: str | None = Field(default=None, max_length=128)
    method: str | None = Field(default=None, max_length=2_000)

    @field_validator("act_type")
    @classmethod
    def _act_type(cls, value: str) -> str:
        return check("act_type", value, field="act_type")

    @field_validator("date_precision")
    @classmethod
    def _precision(cls, value: str) -> str:
        return check("date_precision", value, field="date_precision")

    @field_validator("victim_status")
    @classmethod
    def _status(cls, value: str | None) -> str | None:
        return _term("victim_status", value, "victim_status")

    @field_validator("detention_kind")
    @classmethod
    def _detention(cls, value: str | None) -> str | None:
        return _term("detention_kind", value, "detention_kind")

    @field_validator("handed_to_unit")
    @classmethod
    def _handed(cls, value: str | None) -> str | None:
        return _term("perpetrator_unit", value, "handed_to_unit")

    @model_validator(mode="after")
    def _consistent(self) -> ActFields:
        check_dates(self.date, self.date_precision, self.end_date, field="date")
        self.date, self.date_precision = normalise(self.date, self.date_precision)
        applies = extension_fields(self.act_type)
        for name in EXTENSION_FIELDS:
            if getattr(self, name) is not None and name not in applies:
                allowed = ", ".join(sorted(applies)) or "none"
                raise InvalidInput(f"{name}: does not apply to act type {self.act_type} "
                                   f"(its extension fields: {allowed}).")
        return self

    def extensions(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in EXTENSION_FIELDS
                if getattr(self, name) is not None}


class ActIn(ActFields):
    """An act entered by hand; without an incident a new one is opened for it."""

    incident_id: str | None = None


class ClaimIn(ActFields):
    """One source's claim about an act, graded on the Admiralty scale."""

    source: str = Field(min_length=1, max_length=64)
    connection: str
    reliability: str | None = None
    credibility: int = 6
    reported_on: dt.date | None = None
    language: str | None = Field(default=None, pattern=r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")
    content: str | None = Field(default=None, max_length=50_000)
    incident_id: str | None = None
    act_id: str | None = None

    @field_validator("connection")
    @classmethod
    def _connection(cls, value: str) -> str:
        return check("information_connection", value, field="connection")

    @field_validator("reliability")
    @classmethod
    def _reliability(cls, value: str | None) -> str | None:
        return None if value is None else check("reliability", value.upper(), field="reliability")

    @field_validator("credibility")
    @classmethod
    def _credibility(cls, value: int) -> int:
        check("credibility", str(value), field="credibility")
        return value

    @field_validator("reported_on")
    @classmethod
    def _reported(cls, value: dt.date | None) -> dt.date | None:
        if value is not None and value > dt.date.today():
            raise InvalidInput(f"reported_on: {value} is in the future.")
        return value


class IncidentIn(Strict):
    title: str = Field(min_length=1, max_length=500)
    description: str | None = Field(default=None, max_length=50_000)
    start_date: dt.date | None = None
    start_precision: str = "day"
    end_date: dt.date | None = None
    end_precision: str = "day"
    place: str | None = Field(default=None, max_length=128)
    monitoring_status: str = "open"

    @field_validator("start_precision", "end_precision")
    @classmethod
    def _precision(cls, value: str) -> str:
        return check("date_precision", value, field="date_precision")

    @field_validator("monitoring_status")
    @classmethod
    def _monitoring(cls, value: str) -> str:
        return check("monitoring_status", value, field="monitoring_status")

    @model_validator(mode="after")
    def _dates(self) -> IncidentIn:
        check_dates(self.start_date, self.start_precision, self.end_date, field="start_date")
        self.start_date, self.start_precision = normalise(self.start_date, self.start_precision)
        self.end_date, self.end_precision = normalise(self.end_date, self.end_precision)
        return self


class InterventionIn(Strict):
    incident_id: str
    kind: str
    started_on: dt.date
    acting_body: str | None = Field(default=None, max_length=64)
    status: str = "pending"
    completed_on: dt.date | None = None
    description: str | None = Field(default=None, max_length=20_000)
    outcome: str | None = Field(default=None, max_length=20_000)

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        return cases_vocabularies.check("intervention_kind", value, field="kind")

    @field_validator("status")
    @classmethod
    def _status(cls, value: str) -> str:
        return cases_vocabularies.check("intervention_status", value, field="status")

    @model_validator(mode="after")
    def _dates(self) -> InterventionIn:
        check_dates(self.started_on, "day", self.completed_on, field="started_on")
        return self


class ChainIn(Strict):
    from_act: str
    to_act: str
    relation: str = "followed_by"

    @field_validator("relation")
    @classmethod
    def _relation(cls, value: str) -> str:
        return check("chain_relation", value, field="relation")


# ---- output ----

class InvolvementOut(BaseModel):
    id: str
    unit: str | None
    person: str | None  # pseudonym
    degree: str


class InformationOut(BaseModel):
    id: str
    source: str
    act_id: str | None
    incident_id: str | None
    connection: str
    reliability: str
    credibility: int
    grade: str  # Admiralty code, e.g. "B2"
    link_status: str
    reported_on: dt.date | None
    language: str | None


class ChainOut(BaseModel):
    from_act: str
    to_act: str
    relation: str


class ActOut(BaseModel):
    id: str
    incident_id: str
    act_type: str
    victim_id: str
    victim: str  # pseudonym
    date: dt.date | None
    date_precision: str
    end_date: dt.date | None
    place: str | None
    province: str | None
    victim_status: str | None
    extensions: dict[str, Any] = {}
    consequences: str | None = None
    documented: bool = False
    involvements: list[InvolvementOut] = []
    information: list[InformationOut] = []
    chain: list[ChainOut] = []


class InterventionOut(BaseModel):
    id: str
    kind: str
    acting_body: str | None
    started_on: dt.date
    status: str
    completed_on: dt.date | None
    description: str | None = None
    outcome: str | None = None


class IncidentSummary(BaseModel):
    id: str
    title: str | None
    start_date: dt.date | None
    start_precision: str
    place: str | None
    monitoring_status: str
    acts: int
    act_types: list[str]


class IncidentOut(IncidentSummary):
    description: str | None
    end_date: dt.date | None
    end_precision: str
    act_list: list[ActOut] = []
    interventions: list[InterventionOut] = []


class CandidateOut(BaseModel):
    id: str
    information_id: str
    act_id: str
    score: float
    status: str
    source: str
    victim: str
    act_type: str
    claim_date: dt.date | None
    claim_precision: str
    claim_place: str | None
    act_date: dt.date | None
    act_precision: str
    act_place: str | None


class ClaimOut(BaseModel):
    information_id: str
    outcome: str  # linked, pending or new
    act_id: str | None
    incident_id: str | None
    score: float | None
    candidates: list[CandidateOut] = []


class CountRow(BaseModel):
    key: dict[str, str]
    acts: int
    act_ids: list[str]
    sources: list[str]


class CountsOut(BaseModel):
    by: list[str]
    total: int
    filters: dict[str, str]
    rows: list[CountRow]
