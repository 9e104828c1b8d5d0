"""Violations as evidence, after the HURIDOCS Events Standard Formats.

An ``Incident`` is an event; an ``Act`` is one thing done to one victim within it (a forced
return, an arrest); an ``Involvement`` names a perpetrator person or unit and how they took
part; an ``Information`` row is one source's claim about an incident or act, graded on the
Admiralty scale. ``ClaimCandidate`` and ``ClaimDecision`` are the review queue that keeps one
act from being counted twice when two sources describe it. ``ActLink`` chains acts (arrest →
detention → handover → detention in the DPRK).

Dates, act types, province-level places and perpetrator units stay in the clear: they are what
is counted. Titles, descriptions, methods, whereabouts and claims are sealed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from surplace.store.base import Base, IdMixin, utcnow
from surplace.vault.fields import JSON, TEXT, Sensitive


class Incident(IdMixin, Base):
    __tablename__ = "incident"

    start_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    start_precision: Mapped[str] = mapped_column(String(8), default="day")
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    end_precision: Mapped[str] = mapped_column(String(8), default="day")
    place_id: Mapped[str | None] = mapped_column(ForeignKey("place.id"), nullable=True)
    monitoring_status: Mapped[str] = mapped_column(String(16), default="open")
    created_by: Mapped[str | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    title = Sensitive(TEXT, doc="Short title; often names people, so sealed.")
    description = Sensitive(TEXT, doc="What happened, in the documenter's words.")


class Act(IdMixin, Base):
    """One act against one victim within an incident, with its act-type extension fields."""

    __tablename__ = "act"

    incident_id: Mapped[str] = mapped_column(ForeignKey("incident.id"), index=True)
    act_type: Mapped[str] = mapped_column(String(48), index=True)
    victim_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    act_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    date_precision: Mapped[str] = mapped_column(String(8), default="day")
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    place_id: Mapped[str | None] = mapped_column(ForeignKey("place.id"), nullable=True)
    victim_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # Arrest and detention
    detention_kind: Mapped[str | None] = mapped_column(String(32), nullable=True)
    detention_place_id: Mapped[str | None] = mapped_column(ForeignKey("place.id"),
                                                           nullable=True)
    legal_counsel: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    # Forced return
    return_from_place_id: Mapped[str | None] = mapped_column(ForeignKey("place.id"),
                                                             nullable=True)
    handed_to_unit: Mapped[str | None] = mapped_column(String(48), nullable=True)
    crossing_point: Mapped[str | None] = mapped_column(String(48), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    method = Sensitive(TEXT, doc="How the act was carried out (torture or killing method …).")
    consequences = Sensitive(TEXT, doc="What followed for the victim.")
    whereabouts = Sensitive(TEXT, doc="Where a detained or disappeared victim is held.")


class Involvement(IdMixin, Base):
    """A perpetrator of an act: a person, or a unit from the perpetrator vocabulary."""

    __tablename__ = "involvement"

    act_id: Mapped[str] = mapped_column(ForeignKey("act.id"), index=True)
    person_id: Mapped[str | None] = mapped_column(ForeignKey("person.id"), nullable=True,
                                                  index=True)
    unit: Mapped[str | None] = mapped_column(String(48), nullable=True, index=True)
    degree: Mapped[str] = mapped_column(String(32))


class Information(IdMixin, Base):
    """One source's claim about an incident or an act, with its grading."""

    __tablename__ = "information"

    source_id: Mapped[str] = mapped_column(ForeignKey("source.id"), index=True)
    incident_id: Mapped[str | None] = mapped_column(ForeignKey("incident.id"), nullable=True,
                                                    index=True)
    act_id: Mapped[str | None] = mapped_column(ForeignKey("act.id"), nullable=True, index=True)
    record_id: Mapped[str | None] = mapped_column(ForeignKey("record.id"), nullable=True)
    connection: Mapped[str] = mapped_column(String(16))
    reported_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    reliability: Mapped[str] = mapped_column(String(1))
    credibility: Mapped[int] = mapped_column()
    link_status: Mapped[str] = mapped_column(String(16), default="linked", index=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    content = Sensitive(TEXT, doc="The claim in the source's words.")
    claim: Sensitive[Any] = Sensitive(JSON, doc="The claim's structured fields as given.")


class ClaimCandidate(IdMixin, Base):
    """A possible match between a new claim and an existing act, waiting for or given a verdict."""

    __tablename__ = "claim_candidate"
    __table_args__ = (UniqueConstraint("information_id", "act_id"),)

    information_id: Mapped[str] = mapped_column(ForeignKey("information.id"), index=True)
    act_id: Mapped[str] = mapped_column(ForeignKey("act.id"), index=True)
    score: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ClaimDecision(IdMixin, Base):
    """Append-only: every accept, reject and undo on a candidate, so no decision is lost."""

    __tablename__ = "claim_decision"

    candidate_id: Mapped[str] = mapped_column(ForeignKey("claim_candidate.id"), index=True)
    decision: Mapped[str] = mapped_column(String(8))
    actor_id: Mapped[str] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    reason = Sensitive(TEXT, doc="Why the reviewer decided so.")


class ActLink(IdMixin, Base):
    """One step in a chain of events: this act led to that one (arrest → detention …)."""

    __tablename__ = "act_link"
    __table_args__ = (UniqueConstraint("from_act_id", "to_act_id"),)

    from_act_id: Mapped[str] = mapped_column(ForeignKey("act.id"), index=True)
    to_act_id: Mapped[str] = mapped_column(ForeignKey("act.id"), index=True)
    relation: Mapped[str] = mapped_column(String(24), default="followed_by")
