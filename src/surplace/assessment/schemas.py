"""What the stored-assessment service returns: a snapshot with its reviews, and one review.

Lists carry only the clear columns (the three conclusions, who ran it, when, with what rule set);
the sealed facts, result and review reasons are filled in only when one assessment is shown, so
that listing a case's assessments decrypts (and audits) nothing.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel

from surplace.assessment.logic import Outcome
from surplace.assessment.results import AssessmentResult

Verdict = Literal["agree", "disagree"]


class ReviewOut(BaseModel):
    id: str
    assessment_id: str
    case_number: str
    reviewer: str | None
    verdict: Verdict
    at: datetime
    #: Sealed; only when one assessment is shown or the review was just recorded.
    reasons: str | None = None
    #: The workflow step this review made on the case (``review``), if any.
    transition: str | None = None


class StoredAssessment(BaseModel):
    id: str
    case_number: str
    run_by: str | None
    run_at: datetime
    ruleset_version: str
    jurisdiction: str
    as_of: date
    refugee_status: Outcome
    non_refoulement: Outcome
    complementary_protection: Outcome
    reviews: list[ReviewOut] = []
    #: The workflow step this run made on the case (``assess``), if any.
    transition: str | None = None
    #: Sealed snapshot: the facts run on and the whole result; only when shown or just run.
    facts: dict[str, Any] | None = None
    result: AssessmentResult | None = None
