"""Users, roles and access grants. A user's name is a staff account name, not an identity."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from surplace.store.base import Base, IdMixin, utcnow

ROLES: dict[str, str] = {
    "admin": "Users, roles, key slots, audit, backups and emergency shredding.",
    "caseworker": "The cases assigned or granted to them, with identities.",
    "researcher": "Incidents and evidence; persons pseudonymised unless granted.",
    "analyst": "Aggregates only, with small cells suppressed.",
    "viewer": "Published aggregates.",
}


class Role(Base):
    __tablename__ = "role"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    description: Mapped[str] = mapped_column(Text)


class User(IdMixin, Base):
    __tablename__ = "user_account"

    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(ForeignKey("role.name"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AccessGrant(IdMixin, Base):
    """Access to one object (a case, a person) beyond what the user's role gives."""

    __tablename__ = "access_grant"

    user_id: Mapped[str] = mapped_column(ForeignKey("user_account.id"), index=True)
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(36), index=True)
    permission: Mapped[str] = mapped_column(String(16), default="read")
    granted_by: Mapped[str | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
