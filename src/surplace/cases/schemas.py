"""Input and output shapes of the case file: the case, its members, transitions and interviews.

The work on a case (alerts, interventions, assistance, referrals, consent) and the timeline are
in :mod:`surplace.cases.work_schemas`. Inputs check vocabularies and sizes; rules that need the
store (dates against the case's history, staff accounts) are the services'.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator

from surplace.cases.vocabularies import check
from surplace.cases.work_schemas import (
    AlertOut,
    AssistanceOut,
    ConsentOut,
    InterventionOut,
    ReferralOut,
)

_FACT_CODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")

FactValue = str | int | float | bool | None


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def check_languages(values: list[str]) -> list[str]:
    return _unique([check("language", v.strip().lower(), field="language") for v in values])


def check_needs(values: list[str]) -> list[str]:
    return _unique([check("specific_need", v.strip().lower(), field="specific need")
                    for v in values])


def check_risk(value: str) -> str:
    return check("risk", value.strip().lower(), field="risk")


class MemberIn(BaseModel):
    """A family member on a case; ``person`` is an id or pseudonym of a registered person."""

    person: str = Field(min_length=1, max_length=64)
    relationship: str | None = Field(default=None, max_length=256)
    derivative: bool = True


class CaseIn(BaseModel):
    principal: str = Field(min_length=1, max_length=64)
    members: list[MemberIn] = []
    languages: list[str] = []
    specific_needs: list[str] = []
    current_location: str | None = Field(default=None, max_length=512)
    summary: str | None = Field(default=None, max_length=50_000)
    risk: str = "normal"
    organisation: str = Field(default="local", min_length=1, max_length=64)

    @field_validator("languages")
    @classmethod
    def _languages(cls, values: list[str]) -> list[str]:
        return check_languages(values)

    @field_validator("specific_needs")
    @classmethod
    def _needs(cls, values: list[str]) -> list[str]:
        return check_needs(values)

    @field_validator("risk")
    @classmethod
    def _risk(cls, value: str) -> str:
        return check_risk(value)


class CaseUpdate(BaseModel):
    """Changes to a case's file; what is not given stays as it is."""

    languages: list[str] | None = None
    specific_needs: list[str] | None = None
    current_location: str | None = Field(default=None, max_length=512)
    summary: str | None = Field(default=None, max_length=50_000)
    risk: str | None = None
    reason: str | None = Field(default=None, max_length=5_000)

    @field_validator("languages")
    @classmethod
    def _languages(cls, values: list[str] | None) -> list[str] | None:
        return None if values is None else check_languages(values)

    @field_validator("specific_needs")
    @classmethod
    def _needs(cls, values: list[str] | None) -> list[str] | None:
        return None if values is None else check_needs(values)

    @field_validator("risk")
    @classmethod
    def _risk(cls, value: str | None) -> str | None:
        return None if value is None else check_risk(value)


class InterviewIn(BaseModel):
    """An RSD interview (Procedural Standards unit 4): who, when, in what language, with whom,
    what was said, whether it was read back and what the applicant said to the read-back.

    ``facts`` are the facts established, as fact codes with values. Only their form is checked
    here (snake_case codes, JSON scalars); ``cases.interviews.record_interview`` checks them
    against the assessment engine's fact vocabulary (names, types, contradictions) before
    anything is written.
    """

    held_on: date
    interviewer: str | None = Field(default=None, max_length=64)
    language: str | None = None
    duration_minutes: int | None = Field(default=None, ge=1, le=24 * 60)
    interpreter: str | None = Field(default=None, max_length=512)
    interpreter_undertaking: bool = False
    attendees: list[str] = Field(default=[], max_length=50)
    record: str | None = Field(default=None, max_length=500_000)
    read_back: bool = False
    applicant_comments: str | None = Field(default=None, max_length=50_000)
    facts: dict[str, FactValue] = {}

    @field_validator("language")
    @classmethod
    def _language(cls, value: str | None) -> str | None:
        return None if value is None else check("language", value.strip().lower(),
                                                field="interview language")

    @field_validator("attendees")
    @classmethod
    def _attendees(cls, values: list[str]) -> list[str]:
        if any(not v.strip() or len(v) > 256 for v in values):
            raise ValueError("each attendee must be 1 to 256 characters")
        return values

    @field_validator("facts")
    @classmethod
    def _facts(cls, values: dict[str, FactValue]) -> dict[str, FactValue]:
        bad = [code for code in values if not _FACT_CODE.match(code)]
        if bad:
            raise ValueError(f"fact codes must be snake_case identifiers (a-z, 0-9, _; at most "
                             f"64 characters, starting with a letter): {', '.join(bad[:5])}")
        return values


class MemberOut(BaseModel):
    person_id: str
    pseudonym: str
    role: str
    derivative: bool
    relationship: str | None = None
    #: Names as written, only for a reader whose role may read identities.
    names: list[str] = []


class CaseworkerOut(BaseModel):
    user_id: str
    name: str
    assigned_at: datetime


class TransitionOut(BaseModel):
    id: str
    case_number: str
    transition: str
    from_status: str
    to_status: str
    actor: str | None
    effective_on: date
    at: datetime
    outcome: str | None = None
    modality: str | None = None
    reason: str | None = None
    details: dict[str, Any] | None = None


class InterviewOut(BaseModel):
    id: str
    case_number: str
    held_on: date
    interviewer: str | None
    language: str | None
    duration_minutes: int | None
    interpreter: str | None = None
    interpreter_undertaking: bool
    attendees: list[str] = []
    record: str | None = None
    read_back: bool
    applicant_comments: str | None = None
    facts: dict[str, FactValue] = {}
    recorded_at: datetime
    #: The workflow step the interview drove, if any.
    transition: str | None = None


class CaseSummary(BaseModel):
    """A line of a case list: clear columns only, nothing is decrypted."""

    id: str
    case_number: str
    status: str
    processing: str | None
    risk: str
    outcome: str | None
    appeal_outcome: str | None
    appeal_deadline: date | None
    principal: str | None
    organisation: str
    opened_at: datetime
    closed_at: datetime | None
    open_alerts: int = 0
    overdue_alerts: int = 0
    next_deadline: datetime | None = None


class CaseOut(CaseSummary):
    """The whole file (every sealed field read is audited)."""

    summary: str | None = None
    languages: list[str] = []
    specific_needs: list[str] = []
    current_location: str | None = None
    members: list[MemberOut] = []
    caseworkers: list[CaseworkerOut] = []
    transitions: list[TransitionOut] = []
    interviews: list[InterviewOut] = []
    alerts: list[AlertOut] = []
    interventions: list[InterventionOut] = []
    assistance: list[AssistanceOut] = []
    referrals: list[ReferralOut] = []
    consents: list[ConsentOut] = []
