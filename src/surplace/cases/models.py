"""The protection case file and its interviews (the workflow arrives with the case issue).

A case is known day to day by its case number and its principal's pseudonym; the summary of the
claim and every interview record are sealed.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from surplace.store.base import Base, IdMixin, utcnow
from surplace.vault.fields import TEXT, Sensitive


class Case(IdMixin, Base):
    __tablename__ = "protection_case"

    case_number: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(32), default="reception", index=True)
    processing: Mapped[str | None] = mapped_column(String(16), nullable=True)
    principal_id: Mapped[str | None] = mapped_column(ForeignKey("person.id"), nullable=True)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    summary = Sensitive(TEXT, doc="Summary of the claim in the caseworker's words.")


class CaseMember(IdMixin, Base):
    """A person on a case: the principal applicant or a family member with derivative status."""

    __tablename__ = "case_member"
    __table_args__ = (UniqueConstraint("case_id", "person_id"),)

    case_id: Mapped[str] = mapped_column(ForeignKey("protection_case.id"), index=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="principal")
    derivative: Mapped[bool] = mapped_column(Boolean, default=False)

    relationship = Sensitive(TEXT, doc="Relationship to the principal (family detail).")


class CaseAssignment(IdMixin, Base):
    __tablename__ = "case_assignment"

    case_id: Mapped[str] = mapped_column(ForeignKey("protection_case.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("user_account.id"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Interview(IdMixin, Base):
    __tablename__ = "interview"

    case_id: Mapped[str] = mapped_column(ForeignKey("protection_case.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    interviewer_id: Mapped[str | None] = mapped_column(ForeignKey("user_account.id"),
                                                       nullable=True)
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    duration_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)

    record = Sensitive(TEXT, doc="What was said: the interview record.")
    interpreter = Sensitive(TEXT, doc="Interpreter's name and undertaking.")
    applicant_comments = Sensitive(TEXT, doc="The applicant's comments on the read-back.")
