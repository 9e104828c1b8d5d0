"""Stored assessments: a snapshot of what the rule engine drafted for a case, and its review.

The engine's draft is a snapshot, not a live view: the facts as they stood, the rule-set version
and jurisdiction used, and the whole result are sealed together so that a reviewer or an appeal
officer can see exactly what was concluded and re-run the rules on the same facts. The three
conclusions are kept in the clear (as the case's status and outcome are) so that cases can be
listed by them; the facts and reasoning are sealed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from surplace.store.base import Base, IdMixin, utcnow
from surplace.vault.fields import JSON, TEXT, Sensitive


class Assessment(IdMixin, Base):
    __tablename__ = "assessment"

    case_id: Mapped[str] = mapped_column(ForeignKey("protection_case.id"), index=True)
    run_by: Mapped[str] = mapped_column(ForeignKey("user_account.id"))
    run_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ruleset_version: Mapped[str] = mapped_column(String(32))
    jurisdiction: Mapped[str] = mapped_column(String(16))
    as_of: Mapped[date] = mapped_column(Date)
    refugee_status: Mapped[str] = mapped_column(String(16))
    non_refoulement: Mapped[str] = mapped_column(String(16))
    complementary_protection: Mapped[str] = mapped_column(String(16))

    facts: Sensitive[Any] = Sensitive(JSON, doc="The facts the rules were run on.")
    result: Sensitive[Any] = Sensitive(JSON, doc="The full result with its justification tree.")


class AssessmentReview(IdMixin, Base):
    """A reviewer's sign-off on, or disagreement with, an assessment, with reasons."""

    __tablename__ = "assessment_review"

    assessment_id: Mapped[str] = mapped_column(ForeignKey("assessment.id"), index=True)
    reviewer_id: Mapped[str] = mapped_column(ForeignKey("user_account.id"))
    verdict: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    reasons = Sensitive(TEXT, doc="Why the reviewer agrees or disagrees.")
