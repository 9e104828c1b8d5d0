"""Incidents, acts and the people and units involved (the full model arrives with its issue).

Dates of events and places at province level stay in the clear: they are what is counted. The
description of what happened is sealed, and so is an incident's title, which often names people.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from surplace.store.base import Base, IdMixin, utcnow
from surplace.vault.fields import TEXT, Sensitive


class Incident(IdMixin, Base):
    __tablename__ = "incident"

    start_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    start_precision: Mapped[str] = mapped_column(String(8), default="day")
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    end_precision: Mapped[str] = mapped_column(String(8), default="day")
    place_id: Mapped[str | None] = mapped_column(ForeignKey("place.id"), nullable=True)
    monitoring_status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    title = Sensitive(TEXT, doc="Short title; often names people, so sealed.")
    description = Sensitive(TEXT, doc="What happened, in the documenter's words.")


class Act(IdMixin, Base):
    """One act against one victim within an incident (a forced return, an arrest …)."""

    __tablename__ = "act"

    incident_id: Mapped[str] = mapped_column(ForeignKey("incident.id"), index=True)
    act_type: Mapped[str] = mapped_column(String(48), index=True)
    act_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    date_precision: Mapped[str] = mapped_column(String(8), default="day")
    place_id: Mapped[str | None] = mapped_column(ForeignKey("place.id"), nullable=True)
    victim_status: Mapped[str | None] = mapped_column(String(32), nullable=True)

    method = Sensitive(TEXT, doc="How the act was carried out.")
    consequences = Sensitive(TEXT, doc="What followed for the victim.")


class ActParticipant(IdMixin, Base):
    """A victim or a perpetrator of an act: a person, or for perpetrators a unit."""

    __tablename__ = "act_participant"

    act_id: Mapped[str] = mapped_column(ForeignKey("act.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    person_id: Mapped[str | None] = mapped_column(ForeignKey("person.id"), nullable=True,
                                                  index=True)
    unit: Mapped[str | None] = mapped_column(String(64), nullable=True)
    degree: Mapped[str | None] = mapped_column(String(32), nullable=True)
