"""Import batches: one row per file imported, so every record can be traced to the file and the
mapping that produced it, and a report can say what was imported, rejected and skipped."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON as PlainJSON
from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from surplace.store.base import Base, IdMixin, utcnow
from surplace.vault.fields import TEXT, Sensitive


class ImportBatch(IdMixin, Base):
    __tablename__ = "import_batch"

    source_id: Mapped[str] = mapped_column(ForeignKey("source.id"), index=True)
    actor_id: Mapped[str] = mapped_column(ForeignKey("user_account.id"))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    #: csv, xlsx, kobo-json, kobo-csv, odk-json, odk-csv, hxl, json
    file_format: Mapped[str] = mapped_column(String(16))
    #: The mapping as applied (column → field, value maps): column headers, not identities.
    mapping: Mapped[dict[str, Any]] = mapped_column(PlainJSON, default=dict)
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    imported: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)

    # A partner's file name often names a place, a shelter or a person: sealed.
    file_name = Sensitive(TEXT, doc="The imported file's name as given.")
