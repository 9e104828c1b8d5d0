"""Input and output shapes of the work on a case: alerts, interventions, assistance, referrals,
consent, and the timeline that puts everything in order."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator, model_validator

from surplace.cases.vocabularies import check


class AlertIn(BaseModel):
    """``priority`` and ``deadline`` default to the alert kind's (cases/vocabularies.toml).

    A deadline already past is accepted: news of a detention often arrives late, and such an
    alert is overdue from the moment it is raised.
    """

    kind: str
    priority: int | None = Field(default=None, ge=1, le=5)
    deadline: datetime | None = None
    note: str | None = Field(default=None, max_length=20_000)

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        return check("alert_kind", value.strip().lower(), field="alert kind")

    @field_validator("deadline")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("give the deadline with its time zone (e.g. 2026-12-01T18:00+08:00)")
        return value


class AlertOut(BaseModel):
    id: str
    case_number: str
    kind: str
    priority: int
    raised_at: datetime
    deadline: datetime
    raised_by: str | None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    note: str | None = None
    resolution: str | None = None
    overdue: bool
    #: Set on the answer to raising it: what raising it changed on the case.
    accelerated: bool = False


class InterventionIn(BaseModel):
    kind: str
    acting_body: str | None = Field(default=None, max_length=64)
    started_on: date | None = None
    status: str = "pending"
    alert_id: str | None = None
    description: str | None = Field(default=None, max_length=20_000)

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        return check("intervention_kind", value.strip().lower(), field="intervention kind")

    @field_validator("status")
    @classmethod
    def _status(cls, value: str) -> str:
        return check("intervention_status", value.strip().lower(), field="intervention status")


class InterventionUpdate(BaseModel):
    status: str
    completed_on: date | None = None
    outcome_note: str | None = Field(default=None, max_length=20_000)

    @field_validator("status")
    @classmethod
    def _status(cls, value: str) -> str:
        return check("intervention_status", value.strip().lower(), field="intervention status")


class InterventionOut(BaseModel):
    id: str
    case_number: str
    kind: str
    acting_body: str | None
    started_on: date
    status: str
    completed_on: date | None
    alert_id: str | None
    actor: str | None
    description: str | None = None
    outcome_note: str | None = None


class AssistanceIn(BaseModel):
    kind: str
    quantity: float = Field(gt=0, le=1e9)
    unit: str | None = Field(default=None, min_length=1, max_length=16)
    given_on: date | None = None
    note: str | None = Field(default=None, max_length=20_000)

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        return check("assistance_kind", value.strip().lower(), field="assistance kind")


class AssistanceOut(BaseModel):
    id: str
    case_number: str
    kind: str
    given_on: date
    given_by: str | None
    quantity: float
    unit: str
    note: str | None = None


class AssistanceTotal(BaseModel):
    """One cell of a totals table: a kind and unit, in one month (or over the whole period)."""

    kind: str
    unit: str
    month: str | None
    quantity: float
    count: int
    cases: int


class ReferralIn(BaseModel):
    """To an organisation (its name as consent records name it) or to a staff account."""

    kind: str = "referral"
    to_organisation: str | None = Field(default=None, min_length=1, max_length=64)
    to_user: str | None = Field(default=None, min_length=1, max_length=64)
    reason: str | None = Field(default=None, max_length=20_000)

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        return check("referral_kind", value.strip().lower(), field="referral kind")

    @model_validator(mode="after")
    def _one_recipient(self) -> ReferralIn:
        if (self.to_organisation is None) == (self.to_user is None):
            raise ValueError("give exactly one recipient: an organisation or a staff account")
        return self


class ReferralOut(BaseModel):
    id: str
    case_number: str
    kind: str
    to_organisation: str | None
    to_user: str | None
    referred_by: str | None
    referred_at: datetime
    status: str
    responded_at: datetime | None
    responded_by: str | None
    shares_identity: bool
    reason: str | None = None
    package: dict[str, Any] | None = None


class ConsentIn(BaseModel):
    """``person``: id or pseudonym of a member of the case (the principal when not given).
    A guardian's consent for a child is recorded on the child, with the note saying so."""

    scope: str
    recipient: str = Field(default="any", min_length=1, max_length=64)
    given: bool = True
    person: str | None = None
    recorded_on: date | None = None
    note: str | None = Field(default=None, max_length=20_000)

    @field_validator("scope")
    @classmethod
    def _scope(cls, value: str) -> str:
        return check("consent_scope", value.strip().lower(), field="consent scope")


class ConsentOut(BaseModel):
    id: str
    case_number: str
    person: str
    scope: str
    recipient: str
    given: bool
    recorded_on: date
    recorded_by: str | None
    withdrawn_on: date | None
    note: str | None = None


class TimelineEntry(BaseModel):
    """One thing that happened to a case. ``on`` is the day it happened (the effective date
    where the user gave one), ``at`` when it was recorded; the timeline is ordered by both."""

    on: date
    at: datetime
    kind: str
    ref: str
    actor: str | None
    title: str
    detail: dict[str, Any] = {}
