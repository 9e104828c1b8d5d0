"""The day-to-day work on a case: urgent alerts, interventions, assistance and referrals.

Kinds, priorities, dates and quantities stay in the clear so that overdue alerts can be sorted
and assistance totalled without the passphrase's cost on every row; what happened, where, and
what was said is sealed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from surplace.store.base import Base, IdMixin, utcnow
from surplace.vault.fields import JSON, TEXT, Sensitive


class Alert(IdMixin, Base):
    """Someone on a case is in danger now: detained, about to be deported, missing, ill."""

    __tablename__ = "case_alert"

    case_id: Mapped[str] = mapped_column(ForeignKey("protection_case.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    priority: Mapped[int] = mapped_column(Integer)
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    deadline: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    raised_by: Mapped[str] = mapped_column(ForeignKey("user_account.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(ForeignKey("user_account.id"),
                                                    nullable=True)

    note = Sensitive(TEXT, doc="What is known: where held, by whom, since when.")
    resolution = Sensitive(TEXT, doc="How the alert ended.")


class Intervention(IdMixin, Base):
    """Action taken for a case (often answering an alert) or on a documented incident."""

    __tablename__ = "intervention"

    case_id: Mapped[str | None] = mapped_column(ForeignKey("protection_case.id"),
                                                nullable=True, index=True)
    alert_id: Mapped[str | None] = mapped_column(ForeignKey("case_alert.id"), nullable=True)
    incident_id: Mapped[str | None] = mapped_column(ForeignKey("incident.id"), nullable=True,
                                                    index=True)
    kind: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[str] = mapped_column(ForeignKey("user_account.id"))
    acting_body: Mapped[str | None] = mapped_column(String(64), nullable=True)
    started_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    completed_on: Mapped[date | None] = mapped_column(Date, nullable=True)

    description = Sensitive(TEXT, doc="What was done, with whom.")
    outcome_note = Sensitive(TEXT, doc="What came of it.")


class Assistance(IdMixin, Base):
    __tablename__ = "assistance"

    case_id: Mapped[str] = mapped_column(ForeignKey("protection_case.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    given_on: Mapped[date] = mapped_column(Date, index=True)
    given_by: Mapped[str] = mapped_column(ForeignKey("user_account.id"))
    quantity: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(16))

    note = Sensitive(TEXT, doc="Details; where it was handed over.")


class Referral(IdMixin, Base):
    """A case referred or transferred to another organisation or caseworker, with its answer.

    ``shares_identity`` is decided when the referral is made, from the consent on file, and the
    package that travels is built from it: without consent it carries the pseudonym only.
    """

    __tablename__ = "referral"

    case_id: Mapped[str] = mapped_column(ForeignKey("protection_case.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    to_organisation: Mapped[str | None] = mapped_column(String(64), nullable=True)
    to_user_id: Mapped[str | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    referred_by: Mapped[str] = mapped_column(ForeignKey("user_account.id"))
    referred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    responded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                          nullable=True)
    responded_by: Mapped[str | None] = mapped_column(ForeignKey("user_account.id"),
                                                     nullable=True)
    shares_identity: Mapped[bool] = mapped_column(Boolean, default=False)

    reason = Sensitive(TEXT, doc="Why the case is referred.")
    package: Sensitive[Any] = Sensitive(JSON, doc="What travels with the referral.")
