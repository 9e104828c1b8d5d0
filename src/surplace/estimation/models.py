"""Stored estimates: what was estimated, from which input, by which method, with what result, so a
published figure can be traced to the run that made it. Aggregate figures only: no identities."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON as PlainJSON
from sqlalchemy import DateTime, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from surplace.store.base import Base, IdMixin, utcnow


class EstimateRun(IdMixin, Base):
    __tablename__ = "estimate_run"

    actor_id: Mapped[str | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: What was counted: "persons" (linked persons by source), "acts", or "file".
    subject: Mapped[str] = mapped_column(String(16))
    #: The stratum this row estimates ({} for the whole), e.g. {"year": 2012, "province": "CN-JL"}.
    stratum: Mapped[dict[str, Any]] = mapped_column(PlainJSON, default=dict)
    lists: Mapped[list[str]] = mapped_column(PlainJSON, default=list)
    method: Mapped[str] = mapped_column(String(16))
    observed: Mapped[int] = mapped_column(Integer)
    estimate: Mapped[float] = mapped_column(Float)
    lower: Mapped[float | None] = mapped_column(Float, nullable=True)
    upper: Mapped[float | None] = mapped_column(Float, nullable=True)
    #: Settings, seed, diagnostics and warnings as the method reported them.
    details: Mapped[dict[str, Any]] = mapped_column(PlainJSON, default=dict)
    #: The linkage run whose persons were counted, when the subject is persons.
    link_run_id: Mapped[str | None] = mapped_column(ForeignKey("link_run.id"), nullable=True)
