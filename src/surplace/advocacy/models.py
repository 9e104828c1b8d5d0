"""Recommendations and their status history. Public documents, so in the clear."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from surplace.store.base import Base, IdMixin, utcnow


class Recommendation(IdMixin, Base):
    __tablename__ = "recommendation"

    addressee: Mapped[str] = mapped_column(String(128))
    issuer: Mapped[str] = mapped_column(String(128))
    issued_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    text: Mapped[str] = mapped_column(Text)


class RecommendationStatus(IdMixin, Base):
    """One judgement of how far a recommendation is implemented, by whom and why."""

    __tablename__ = "recommendation_status"

    recommendation_id: Mapped[str] = mapped_column(ForeignKey("recommendation.id"), index=True)
    status: Mapped[str] = mapped_column(String(24))
    judged_by: Mapped[str | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    judged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reason: Mapped[str] = mapped_column(Text)


class RecommendationEvidence(IdMixin, Base):
    """Something in the store that bears on a recommendation: an incident, an act or an estimate.
    Only the link and why it matters are kept here; the object keeps its own access rules."""

    __tablename__ = "recommendation_evidence"

    recommendation_id: Mapped[str] = mapped_column(ForeignKey("recommendation.id"), index=True)
    object_type: Mapped[str] = mapped_column(String(16))
    object_id: Mapped[str] = mapped_column(String(36))
    note: Mapped[str] = mapped_column(Text, default="")
    added_by: Mapped[str | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
