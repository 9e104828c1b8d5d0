"""Users, roles and access grants. A user's name is a staff account name, not an identity."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from surplace.store.base import Base, IdMixin, utcnow
from surplace.vault.fields import TEXT, Sensitive

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
    #: Argon2id hash of the web password; ``None`` until one is set (the account cannot sign in).
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                          nullable=True)
    #: Interface language: en, ko or zh.
    locale: Mapped[str] = mapped_column(String(8), default="en", server_default="en")

    #: The TOTP time step last accepted: a code is refused if its step is not newer (replay).
    totp_last_step: Mapped[int | None] = mapped_column(Integer, nullable=True)

    totp_secret = Sensitive(TEXT, doc="Base32 TOTP secret of the second factor, if enrolled.")


class UserSession(IdMixin, Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored, so a
    copy of the database does not let anyone sign in."""

    __tablename__ = "user_session"

    user_id: Mapped[str] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_digest: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    #: Whether the second factor was passed (a session waiting for its TOTP code is not yet one).
    second_factor_done: Mapped[bool] = mapped_column(Boolean, default=False,
                                                     server_default="0")


class ApiToken(IdMixin, Base):
    """A bearer token for programs using the API; stored as a SHA-256 like session tokens."""

    __tablename__ = "api_token"

    user_id: Mapped[str] = mapped_column(ForeignKey("user_account.id"), index=True)
    label: Mapped[str] = mapped_column(String(64))
    token_digest: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


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
