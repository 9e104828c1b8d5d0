"""Evidence items and their custody log.

The file itself lives encrypted in the blob folder under the evidence id; the row keeps its
SHA-256 (of the plaintext, for fixity and for courts), size and media type in the clear, and the
original file name and capture metadata sealed, since both often name people or places.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from surplace.store.base import Base, IdMixin, utcnow
from surplace.vault.fields import JSON, TEXT, Sensitive


class Evidence(IdMixin, Base):
    __tablename__ = "evidence"

    case_id: Mapped[str | None] = mapped_column(ForeignKey("protection_case.id"), nullable=True,
                                                index=True)
    incident_id: Mapped[str | None] = mapped_column(ForeignKey("incident.id"), nullable=True,
                                                    index=True)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("evidence.id"), nullable=True)
    derivation: Mapped[str | None] = mapped_column(String(24), nullable=True)
    sha256: Mapped[bytes] = mapped_column(LargeBinary(32))
    size: Mapped[int] = mapped_column(BigInteger)  # video evidence passes 2 GiB
    media_type: Mapped[str] = mapped_column(String(128))
    key_version: Mapped[int] = mapped_column(Integer)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    captured_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    file_name = Sensitive(TEXT, doc="The file's original name.")
    capture: Sensitive[Any] = Sensitive(JSON, doc="Capture metadata: device, place, who.")
    description = Sensitive(TEXT, doc="What the file shows.")


class CustodyEntry(IdMixin, Base):
    """Who did what with an evidence item, and when: added, viewed, exported, verified, derived."""

    __tablename__ = "custody_entry"

    evidence_id: Mapped[str] = mapped_column(ForeignKey("evidence.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor_id: Mapped[str | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    action: Mapped[str] = mapped_column(String(24))
    sha256_seen: Mapped[bytes | None] = mapped_column(LargeBinary(32), nullable=True)

    note = Sensitive(TEXT, doc="Free-text note on the custody step.")
