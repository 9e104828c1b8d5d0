"""Linkage in the store: which records are which person, the runs that decided it, the pairs
waiting for a person's judgement and every judgement made.

``RecordPerson`` rows are never updated in place but closed (``unlinked_at``) and replaced, so a
cluster's history can be read back and any merge undone. ``LinkRun`` keeps the settings, the
trained parameters, the thresholds and the counts, so a published figure can be traced to the
run that made it. Model settings and parameters hold no personal data and stay in the clear;
the note a reviewer writes is sealed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON as PlainJSON
from sqlalchemy import DateTime, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from surplace.store.base import Base, IdMixin, utcnow
from surplace.vault.fields import TEXT, Sensitive


class LinkRun(IdMixin, Base):
    __tablename__ = "link_run"

    actor_id: Mapped[str] = mapped_column(ForeignKey("user_account.id"))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    mode: Mapped[str] = mapped_column(String(16))
    lower_threshold: Mapped[float] = mapped_column(Float)
    upper_threshold: Mapped[float] = mapped_column(Float)
    records: Mapped[int] = mapped_column(Integer, default=0)
    persons: Mapped[int] = mapped_column(Integer, default=0)
    settings: Mapped[Any] = mapped_column(PlainJSON, default=dict)
    parameters: Mapped[Any] = mapped_column(PlainJSON, default=dict)
    pairs_by_band: Mapped[Any] = mapped_column(PlainJSON, default=dict)


class RecordPerson(IdMixin, Base):
    """Record R is person P from ``linked_at`` until ``unlinked_at`` (null while in force)."""

    __tablename__ = "record_person"

    record_id: Mapped[str] = mapped_column(ForeignKey("record.id"), index=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    run_id: Mapped[str | None] = mapped_column(ForeignKey("link_run.id"), nullable=True)
    probability: Mapped[float | None] = mapped_column(Float, nullable=True)
    how: Mapped[str] = mapped_column(String(16))
    linked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    unlinked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True,
                                                         index=True)


class LinkPair(IdMixin, Base):
    """A pair of records between the thresholds, waiting for (or given) a person's verdict."""

    __tablename__ = "link_pair"
    __table_args__ = (UniqueConstraint("record_a_id", "record_b_id"),)

    run_id: Mapped[str] = mapped_column(ForeignKey("link_run.id"), index=True)
    record_a_id: Mapped[str] = mapped_column(ForeignKey("record.id"), index=True)
    record_b_id: Mapped[str] = mapped_column(ForeignKey("record.id"), index=True)
    probability: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LinkDecision(IdMixin, Base):
    """Append-only: every accept, reject, skip and undo on a pair of records, by whom and when.
    Decisions are reused as labels and override the model in later runs."""

    __tablename__ = "link_decision"

    record_a_id: Mapped[str] = mapped_column(ForeignKey("record.id"), index=True)
    record_b_id: Mapped[str] = mapped_column(ForeignKey("record.id"), index=True)
    decision: Mapped[str] = mapped_column(String(8))
    actor_id: Mapped[str] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    run_id: Mapped[str | None] = mapped_column(ForeignKey("link_run.id"), nullable=True)

    note = Sensitive(TEXT, doc="Why the reviewer decided so.")
