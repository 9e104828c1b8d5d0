"""The protection case file: members, caseworkers, consent, transitions and interviews.

A case is known day to day by its case number and its principal's pseudonym. What the clear
columns hold is what a supervisor needs to sort and count cases (status, modality, outcome,
risk, dates); everything a person said, every reason given, every need that would mark a
person (a survivor of sexual violence, a pregnancy) and every place is sealed.
The day-to-day work on a case (alerts, interventions, assistance, referrals) is in
``cases.work_models``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from surplace.store.base import Base, IdMixin, utcnow
from surplace.vault.fields import JSON, TEXT, Sensitive


class Case(IdMixin, Base):
    __tablename__ = "protection_case"
    # The case list ranks the cases with open alerts by deadline, then by case number: this
    # index gives each alerted case's number from the id without reading its row (on SQLite
    # the ranking of 1,300 alerted cases among 50,000 took 4.5 ms with the rows, 2.5 without).
    __table_args__ = (Index("ix_protection_case_id_case_number", "id", "case_number"),)

    case_number: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(32), default="received", index=True)
    processing: Mapped[str | None] = mapped_column(String(16), nullable=True)
    risk: Mapped[str] = mapped_column(String(16), default="normal", index=True)
    outcome: Mapped[str | None] = mapped_column(String(32), nullable=True)
    appeal_outcome: Mapped[str | None] = mapped_column(String(32), nullable=True)
    appeal_deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    organisation: Mapped[str] = mapped_column(String(64), default="local")
    principal_id: Mapped[str | None] = mapped_column(ForeignKey("person.id"), nullable=True)
    opened_by: Mapped[str | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    summary = Sensitive(TEXT, doc="Summary of the claim in the caseworker's words.")
    languages: Sensitive[Any] = Sensitive(JSON, doc="Languages the principal speaks.")
    specific_needs: Sensitive[Any] = Sensitive(
        JSON, doc="Specific-needs codes (unaccompanied child, survivor of torture …).")
    current_location = Sensitive(TEXT, doc="Where the family is staying now.")


class CaseMember(IdMixin, Base):
    """A person on a case: the principal applicant or a family member with derivative status."""

    __tablename__ = "case_member"
    __table_args__ = (UniqueConstraint("case_id", "person_id"),)

    case_id: Mapped[str] = mapped_column(ForeignKey("protection_case.id"), index=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="principal")
    derivative: Mapped[bool] = mapped_column(Boolean, default=False)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    relationship = Sensitive(TEXT, doc="Relationship to the principal (family detail).")


class CaseAssignment(IdMixin, Base):
    __tablename__ = "case_assignment"

    case_id: Mapped[str] = mapped_column(ForeignKey("protection_case.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("user_account.id"), index=True)
    assigned_by: Mapped[str | None] = mapped_column(ForeignKey("user_account.id"),
                                                    nullable=True)
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class CaseTransition(IdMixin, Base):
    """One step of the workflow, append-only: who moved the case, when, from where to where."""

    __tablename__ = "case_transition"

    case_id: Mapped[str] = mapped_column(ForeignKey("protection_case.id"), index=True)
    transition: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[str] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    effective_on: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(32), nullable=True)
    modality: Mapped[str | None] = mapped_column(String(16), nullable=True)
    workflow_version: Mapped[str] = mapped_column(String(16))

    reason = Sensitive(TEXT, doc="Why: reasons for a decision often restate the claim.")
    details: Sensitive[Any] = Sensitive(JSON, doc="Other inputs (notification method …).")


class Consent(IdMixin, Base):
    """What a case member agreed may be shared, and with whom; withdrawal ends it."""

    __tablename__ = "consent"

    case_id: Mapped[str] = mapped_column(ForeignKey("protection_case.id"), index=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    scope: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(64))
    given: Mapped[bool] = mapped_column(Boolean)
    recorded_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(ForeignKey("user_account.id"))
    withdrawn_on: Mapped[date | None] = mapped_column(Date, nullable=True)

    note = Sensitive(TEXT, doc="How consent was obtained, in what language, any limits.")


class Interview(IdMixin, Base):
    __tablename__ = "interview"

    case_id: Mapped[str] = mapped_column(ForeignKey("protection_case.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    interviewer_id: Mapped[str | None] = mapped_column(ForeignKey("user_account.id"),
                                                       nullable=True)
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    duration_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    interpreter_undertaking: Mapped[bool] = mapped_column(Boolean, default=False)
    read_back: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    record = Sensitive(TEXT, doc="What was said: the interview record.")
    interpreter = Sensitive(TEXT, doc="Interpreter's name and undertaking.")
    attendees: Sensitive[Any] = Sensitive(JSON, doc="Who else was present (counsel, guardian).")
    applicant_comments = Sensitive(TEXT, doc="The applicant's comments on the read-back.")
    facts: Sensitive[Any] = Sensitive(
        JSON, doc="Facts established, as assessment fact codes with their values.")
