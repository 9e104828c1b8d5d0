"""Administering staff accounts: list, create, change role, deactivate, unlock, per-case grants.

Every function needs ``users.admin``. A web account made here has a password but no key slot:
on a server the store is unlocked once by the operator, and staff sign in with their own
passwords; only those who run commands against the store themselves need a slot
(``surplace vault add-user``). Per-case grants go through the cases service, which owns the
rule of who may be granted what.

Account names are staff names chosen by the organisation, not identities of refugees; they are
still shown escaped everywhere, since an administrator may type anything.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime

from argon2 import PasswordHasher
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surplace.access import auth
from surplace.access.models import ROLES, AccessGrant, ApiToken, User
from surplace.access.policy import Actor, require
from surplace.cases import service as case_service
from surplace.errors import InvalidInput
from surplace.store.base import as_utc, utcnow
from surplace.vault import audit


class UserOut(BaseModel):
    id: str
    name: str
    role: str
    active: bool
    locale: str
    has_password: bool
    second_factor: bool
    locked_until: datetime | None
    created_at: datetime


class GrantOut(BaseModel):
    id: str
    object_type: str
    object_id: str
    permission: str
    granted_at: datetime


class LastAdministrator(InvalidInput):
    def __init__(self) -> None:
        super().__init__("role: the store must keep at least one active administrator.")


def _out(user: User, now: datetime) -> UserOut:
    until = as_utc(user.locked_until)
    return UserOut(id=user.id, name=user.name, role=user.role, active=user.active,
                   locale=user.locale or "en", has_password=user.password_hash is not None,
                   second_factor=user.totp_secret_sealed is not None,  # type: ignore[attr-defined]
                   locked_until=until if until is not None and until > now else None,
                   created_at=as_utc(user.created_at) or now)


def check_name(name: str) -> str:
    """A staff account name: 1–64 characters, no control characters. Anything else is allowed
    (names in Hangul or Chinese characters too); pages escape what they show."""
    cleaned = name.strip()
    if not cleaned or len(cleaned) > 64:
        raise InvalidInput("name: give an account name of 1 to 64 characters.")
    if any(unicodedata.category(char).startswith("C") for char in cleaned):
        raise InvalidInput("name: an account name cannot hold control characters.")
    return cleaned


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InvalidInput(f"role: choose one of {', '.join(ROLES)}.")
    return role


def list_users(session: Session, *, actor: Actor, limit: int = 100,
               offset: int = 0) -> tuple[list[UserOut], int]:
    """A page of accounts in name order and the total number."""
    require(actor, "users.admin")
    now = utcnow()
    total = int(session.scalar(select(func.count()).select_from(User)) or 0)
    rows = session.scalars(select(User).order_by(User.name).limit(limit).offset(offset))
    return [_out(row, now) for row in rows], total


def get_user(session: Session, *, actor: Actor, user_id: str) -> UserOut:
    require(actor, "users.admin")
    return _out(auth.user_by_id(session, user_id), utcnow())


def find_user(session: Session, *, actor: Actor, name: str) -> UserOut:
    """An account by its name (the command line names accounts; the web uses ids)."""
    require(actor, "users.admin")
    user = session.scalars(select(User).where(User.name == name.strip())).first()
    if user is None:
        raise auth.UserNotFound("of that name")
    return _out(user, utcnow())


def create_user(session: Session, *, actor: Actor, name: str, role: str, password: str,
                hasher: PasswordHasher = auth.DEFAULT_HASHER, locale: str = "en") -> str:
    """A web account with a role and a password; returns its id."""
    require(actor, "users.admin")
    cleaned, role = check_name(name), check_role(role)
    if locale not in auth.LOCALES:
        raise InvalidInput(f"locale: choose one of {', '.join(auth.LOCALES)}.")
    if session.scalars(select(User.id).where(User.name == cleaned)).first() is not None:
        raise InvalidInput("name: an account of that name already exists.")
    user = User(name=cleaned, role=role, active=True, locale=locale,
                password_hash=auth.hash_password(password, hasher=hasher), failed_logins=0)
    session.add(user)
    session.flush()
    return user.id


def _active_admins(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(User).where(
        User.role == "admin", User.active)) or 0)


def change_role(session: Session, *, actor: Actor, user_id: str, role: str) -> None:
    """Give an account another role; its sessions end so the new role applies at once."""
    require(actor, "users.admin")
    user = auth.user_by_id(session, user_id)
    role = check_role(role)
    if user.role == role:
        return
    if user.role == "admin" and user.active and _active_admins(session) <= 1:
        raise LastAdministrator()
    user.role = role
    auth.revoke_all_sessions(session, user_id=user.id)


def set_active(session: Session, *, actor: Actor, user_id: str, active: bool) -> None:
    """Deactivate an account (its sessions and API tokens stop working at once) or bring it
    back."""
    require(actor, "users.admin")
    user = auth.user_by_id(session, user_id)
    if user.active == active:
        return
    if not active and user.role == "admin" and _active_admins(session) <= 1:
        raise LastAdministrator()
    user.active = active
    if not active:
        auth.revoke_all_sessions(session, user_id=user.id)
        now = utcnow()
        for token in session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                             ApiToken.revoked_at.is_(None))):
            token.revoked_at = now


def unlock(session: Session, *, actor: Actor, user_id: str) -> None:
    """Lift a lock-out before it runs out."""
    require(actor, "users.admin")
    user = auth.user_by_id(session, user_id)
    user.locked_until = None
    user.failed_logins = 0
    audit.record(session, "signin.unlock", "user_account", user.id)


def reset_second_factor(session: Session, *, actor: Actor, user_id: str) -> None:
    """Remove someone's TOTP (a lost phone); they sign in with the password and enrol again."""
    require(actor, "users.admin")
    user = auth.user_by_id(session, user_id)
    user.totp_secret = None
    auth.revoke_all_sessions(session, user_id=user.id)
    audit.record(session, "totp.reset", "user_account", user.id)


def list_grants(session: Session, *, actor: Actor, user_id: str) -> list[GrantOut]:
    """The account's open per-object grants."""
    require(actor, "users.admin")
    auth.user_by_id(session, user_id)
    rows = session.scalars(select(AccessGrant).where(
        AccessGrant.user_id == user_id, AccessGrant.revoked_at.is_(None))
        .order_by(AccessGrant.granted_at))
    return [GrantOut(id=row.id, object_type=row.object_type, object_id=row.object_id,
                     permission=row.permission,
                     granted_at=as_utc(row.granted_at) or utcnow()) for row in rows]


def grant_case(session: Session, *, actor: Actor, user_id: str, case: str,
               permission: str = "read") -> str:
    """Give the account reach to one case (by case number or id); the cases service checks the
    case and whether the account's role may hold it."""
    require(actor, "users.admin")
    user = auth.user_by_id(session, user_id)
    return case_service.grant_access(session, actor=actor, case=case, user=user.name,
                                     permission=permission)


def revoke_case(session: Session, *, actor: Actor, user_id: str, case: str) -> int:
    require(actor, "users.admin")
    user = auth.user_by_id(session, user_id)
    return case_service.revoke_access(session, actor=actor, case=case, user=user.name)
