"""Signing in to the web application: passwords, lock-out, second factor, sessions, API tokens.

The business rules of authentication live here, not in the web layer, so that the command line
(``surplace user passwd``) and the web pages apply the same ones:

- Passwords are hashed with Argon2id (argon2-cffi's :class:`PasswordHasher`); a password must be
  at least :data:`MIN_PASSWORD_LENGTH` characters. A hash made with weaker parameters than the
  server's is upgraded at the next successful sign-in.
- After :attr:`AuthRules.max_failures` wrong passwords in a row an account is locked for
  :attr:`AuthRules.lock_minutes`; an unknown name costs the same time as a known one (a dummy
  hash is verified), so timing does not tell which account names exist.
- The optional second factor is TOTP (pyotp); its secret is a sealed field of the user.
- A session is a random token in a cookie; only its SHA-256 is stored, so a copy of the database
  signs nobody in. Sessions expire after :attr:`AuthRules.idle` without use and after
  :attr:`AuthRules.absolute` in any case; "sign out everywhere" revokes all of a user's sessions.
- API tokens work the same way (shown once at creation, stored as a SHA-256).

Every sign-in, failure, lock-out, sign-out and token creation is written to the audit chain with
ids only (never the name that was typed, which might be a mistyped password).

Sign-in returns an outcome rather than raising on a wrong password, because the failure count
must be committed: an exception would roll the transaction back and undo the lock-out.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from pydantic import BaseModel
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from surplace.access.models import ApiToken, User, UserSession
from surplace.access.policy import Actor, require
from surplace.errors import InvalidInput, SurplaceError
from surplace.store.base import as_utc, utcnow
from surplace.vault import audit

MIN_PASSWORD_LENGTH = 12
#: Longer input is refused before hashing: hashing is deliberately costly.
MAX_PASSWORD_LENGTH = 1024
LOCALES = ("en", "ko", "zh")
TOKEN_PREFIX = "sp_"  # noqa: S105 - a marker, not a secret
#: How often a session's or token's "last used" time is written: on every request it would add a
#: write and an audit entry to each page view; a minute is fine-grained enough for idle expiry.
TOUCH_EVERY = timedelta(minutes=1)
#: How long a signed-in browser may wait for its second-factor code.
SECOND_FACTOR_WAIT = timedelta(minutes=5)
TOTP_ISSUER = "surplace"


class AuthError(SurplaceError):
    """Base of the sign-in errors below; messages are safe to show and name no one."""


class WeakPassword(InvalidInput):
    def __init__(self, why: str) -> None:
        self.field = "password"
        super().__init__(f"password: {why}")


class WrongPassword(AuthError):
    def __init__(self) -> None:
        self.field = "current_password"
        super().__init__("current_password: the current password is not correct.")


class WrongCode(AuthError):
    def __init__(self) -> None:
        self.field = "code"
        super().__init__("code: the code is not correct or has expired.")


class UserNotFound(AuthError):
    def __init__(self, reference: str) -> None:
        super().__init__(f"No user account {reference}.")


class TokenNotFound(AuthError):
    def __init__(self, token_id: str) -> None:
        super().__init__(f"No API token {token_id} of yours.")


@dataclass(frozen=True)
class AuthRules:
    """The numbers of the sign-in policy (defaults suit a small team's server)."""

    max_failures: int = 5
    lock_minutes: int = 15
    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)


DEFAULT_RULES = AuthRules()


def make_hasher(*, time_cost: int = 3, memory_kib: int = 64 * 1024,
                parallelism: int = 2) -> PasswordHasher:
    """An Argon2id hasher (the argon2-cffi default type) with the server's parameters."""
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)


DEFAULT_HASHER = make_hasher()


class SignIn(BaseModel):
    """What a sign-in attempt came to. ``token`` is set only when a session was started."""

    outcome: Literal["ok", "second_factor", "failed", "locked"]
    user_id: str | None = None
    token: str | None = None


class ResolvedSession(BaseModel):
    actor_id: str
    actor_name: str
    role: str
    locale: str
    session_id: str
    second_factor_done: bool
    #: Resolved with ``touch=False`` and its last-seen (or last-used) time is due to move on:
    #: the caller calls :func:`touch_session` (or :func:`touch_token`) in a write transaction.
    touch_due: bool = False


class TokenOut(BaseModel):
    id: str
    label: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked: bool


def digest(token: str) -> bytes:
    """SHA-256 of a session or API token: what the database keeps instead of the token."""
    return hashlib.sha256(token.encode("utf-8")).digest()


def _now(now: datetime | None) -> datetime:
    return now if now is not None else utcnow()


# --- passwords -------------------------------------------------------------------------------


def check_password_policy(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"must be at least {MIN_PASSWORD_LENGTH} characters long.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPassword(f"must be at most {MAX_PASSWORD_LENGTH} characters long.")
    if not password.strip():
        raise WeakPassword("must not be only spaces.")


def hash_password(password: str, *, hasher: PasswordHasher = DEFAULT_HASHER) -> str:
    check_password_policy(password)
    return str(hasher.hash(password))


def _verify(hasher: PasswordHasher, stored: str, password: str) -> bool:
    try:
        return bool(hasher.verify(stored, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


_DUMMY_HASHES: dict[tuple[int, int, int], str] = {}


def _dummy_hash(hasher: PasswordHasher) -> str:
    """A hash to verify against when the name is unknown, made with the same parameters as
    real hashes so that both paths take the same time."""
    key = (hasher.time_cost, hasher.memory_cost, hasher.parallelism)
    if key not in _DUMMY_HASHES:
        _DUMMY_HASHES[key] = str(hasher.hash(secrets.token_hex(16)))
    return _DUMMY_HASHES[key]


def user_by_id(session: Session, user_id: str) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise UserNotFound(user_id)
    return user


def set_password(session: Session, *, actor: Actor, user_id: str, password: str,
                 hasher: PasswordHasher = DEFAULT_HASHER) -> None:
    """An administrator sets someone's password (or the operator does, from the command line).
    The user's sessions end: whoever knew the old password is signed out."""
    require(actor, "users.admin")
    user = user_by_id(session, user_id)
    user.password_hash = hash_password(password, hasher=hasher)
    user.failed_logins = 0
    user.locked_until = None
    revoke_all_sessions(session, user_id=user.id)
    audit.record(session, "password.set", "user_account", user.id)


def change_password(session: Session, *, actor: Actor, current: str, new: str,
                    hasher: PasswordHasher = DEFAULT_HASHER,
                    keep_session: str | None = None) -> None:
    """A user changes their own password, proving the current one. Their other sessions end;
    ``keep_session`` (the session id the change was made from) stays signed in."""
    user = user_by_id(session, actor.user_id)
    if user.password_hash is None or not _verify(hasher, user.password_hash, current):
        raise WrongPassword()
    user.password_hash = hash_password(new, hasher=hasher)
    revoke_all_sessions(session, user_id=user.id, except_session=keep_session)
    audit.record(session, "password.change", "user_account", user.id)


# --- sign-in ---------------------------------------------------------------------------------


def locked(user: User, now: datetime) -> bool:
    until = as_utc(user.locked_until)
    return until is not None and until > now


def authenticate(session: Session, *, name: str, password: str,
                 hasher: PasswordHasher = DEFAULT_HASHER, rules: AuthRules = DEFAULT_RULES,
                 now: datetime | None = None) -> SignIn:
    """Check a name and password; on success start a session (waiting for the second factor
    when the user enrolled one). The caller commits whatever the outcome."""
    moment = _now(now)
    user = session.scalars(select(User).where(User.name == name.strip())).first()
    usable = user is not None and user.active and user.password_hash is not None
    stored = user.password_hash if usable and user is not None else None
    correct = _verify(hasher, stored or _dummy_hash(hasher), password[:MAX_PASSWORD_LENGTH])
    if user is None or not usable:
        audit.record(session, "signin.failed", "user_account",
                     None if user is None else user.id, detail={"reason": "unusable"})
        return SignIn(outcome="failed")
    if locked(user, moment):
        audit.record(session, "signin.refused", "user_account", user.id,
                     detail={"reason": "locked"})
        return SignIn(outcome="locked", user_id=user.id)
    if not correct:
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= rules.max_failures:
            user.locked_until = moment + timedelta(minutes=rules.lock_minutes)
            user.failed_logins = 0
            audit.record(session, "signin.lockout", "user_account", user.id,
                         detail={"minutes": rules.lock_minutes})
            return SignIn(outcome="locked", user_id=user.id)
        audit.record(session, "signin.failed", "user_account", user.id,
                     detail={"reason": "password"})
        return SignIn(outcome="failed", user_id=user.id)
    user.failed_logins = 0
    user.locked_until = None
    if stored is not None and hasher.check_needs_rehash(stored):
        user.password_hash = str(hasher.hash(password))
    second = user.totp_secret_sealed is not None  # type: ignore[attr-defined]
    token = start_session(session, user_id=user.id, second_factor_done=not second, rules=rules,
                          now=moment)
    audit.record(session, "signin.ok" if not second else "signin.password", "user_account",
                 user.id)
    return SignIn(outcome="second_factor" if second else "ok", user_id=user.id, token=token)


# --- sessions --------------------------------------------------------------------------------


def start_session(session: Session, *, user_id: str, second_factor_done: bool = True,
                  rules: AuthRules = DEFAULT_RULES, now: datetime | None = None) -> str:
    """A new session for a user; returns the token for the cookie (stored only as a digest).
    A session still waiting for its second factor lives a few minutes only."""
    moment = _now(now)
    token = secrets.token_urlsafe(32)
    life = rules.absolute if second_factor_done else SECOND_FACTOR_WAIT
    session.add(UserSession(user_id=user_id, token_digest=digest(token), created_at=moment,
                            last_seen_at=moment, expires_at=moment + life,
                            second_factor_done=second_factor_done))
    session.flush()
    return token


def _live_session(session: Session, token: str, rules: AuthRules,
                  moment: datetime) -> tuple[UserSession, User] | None:
    # The session and its user in one statement: every request of a signed-in user asks this.
    found = session.execute(select(UserSession, User).join(User, User.id == UserSession.user_id)
                            .where(UserSession.token_digest == digest(token))).first()
    if found is None:
        return None
    row, user = found
    if row.revoked_at is not None:
        return None
    expires, seen = as_utc(row.expires_at), as_utc(row.last_seen_at)
    if expires is None or expires <= moment:
        return None
    if row.second_factor_done and seen is not None and seen + rules.idle <= moment:
        return None
    if not user.active:
        return None
    return row, user


def resolve_session(session: Session, *, token: str, rules: AuthRules = DEFAULT_RULES,
                    now: datetime | None = None, touch: bool = True) -> ResolvedSession | None:
    """The signed-in user behind a cookie's token, or ``None`` when it is unknown, revoked,
    expired (idle or absolute) or its user was deactivated.

    The session's last-seen time (what the idle limit counts from) moves on at most once every
    ``TOUCH_EVERY``; with ``touch=False`` (a read-only transaction, as every request's sign-in
    check uses) the answer says ``touch_due`` instead and the caller touches it afterwards."""
    moment = _now(now)
    found = _live_session(session, token, rules, moment)
    if found is None:
        return None
    row, user = found
    session.info[audit.ACTOR] = user.id  # the touch below is the user's own doing
    seen = as_utc(row.last_seen_at)
    due = row.second_factor_done and (seen is None or moment - seen >= TOUCH_EVERY)
    if due and touch:
        row.last_seen_at = moment
    return ResolvedSession(actor_id=user.id, actor_name=user.name, role=user.role,
                           locale=user.locale or "en", session_id=row.id,
                           second_factor_done=row.second_factor_done,
                           touch_due=due and not touch)


def touch_session(session: Session, *, session_id: str, now: datetime | None = None) -> None:
    """Move a session's last-seen time on (see :func:`resolve_session`); a session revoked
    meanwhile stays revoked."""
    row = session.get(UserSession, session_id)
    moment = _now(now)
    if row is not None:
        seen = as_utc(row.last_seen_at)
        if seen is None or seen < moment:
            row.last_seen_at = moment


def pass_second_factor(session: Session, *, token: str, code: str,
                       rules: AuthRules = DEFAULT_RULES, now: datetime | None = None) -> str | None:
    """Complete a sign-in with the TOTP code; returns the user id, or ``None`` for a wrong code
    (which counts towards the lock-out; it returns rather than raises so that the count is
    committed)."""
    moment = _now(now)
    found = _live_session(session, token, rules, moment)
    if found is None or found[0].second_factor_done:
        return None
    row, user = found
    secret = user.totp_secret
    step = None if secret is None else _fresh_totp_step(secret, code, moment,
                                                        user.totp_last_step)
    if locked(user, moment) or step is None:
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= rules.max_failures:
            user.locked_until = moment + timedelta(minutes=rules.lock_minutes)
            user.failed_logins = 0
            row.revoked_at = moment
            audit.record(session, "signin.lockout", "user_account", user.id,
                         detail={"minutes": rules.lock_minutes})
        else:
            audit.record(session, "signin.failed", "user_account", user.id,
                         detail={"reason": "second_factor"})
        return None
    user.failed_logins = 0
    user.totp_last_step = step
    row.second_factor_done = True
    row.last_seen_at = moment
    row.expires_at = moment + rules.absolute
    audit.record(session, "signin.ok", "user_account", user.id)
    return user.id


def _fresh_totp_step(secret: str, code: str, moment: datetime,
                     last_used: int | None) -> int | None:
    """The 30-second step the code belongs to (this one or a neighbour, for clock drift), or
    ``None`` if it is wrong or its step was already used: a code seen over a shoulder or in a
    log cannot be played again (RFC 6238 section 5.2)."""
    totp = pyotp.TOTP(secret)
    current = totp.timecode(moment)
    for step in (current, current - 1, current + 1):
        if totp.generate_otp(step) == code.strip() and (last_used is None or step > last_used):
            return step
    return None


def record_throttled(session: Session) -> None:
    """An address was stopped for too many failed sign-ins (the address is not recorded)."""
    audit.record(session, "signin.throttled", "user_account", None)


def end_session(session: Session, *, token: str, now: datetime | None = None) -> None:
    """Sign out the browser holding ``token`` (an unknown token is already signed out)."""
    row = session.scalars(select(UserSession).where(
        UserSession.token_digest == digest(token))).first()
    if row is None or row.revoked_at is not None:
        return
    row.revoked_at = _now(now)
    audit.record(session, "signout", "user_account", row.user_id)


def revoke_all_sessions(session: Session, *, user_id: str, except_session: str | None = None,
                        now: datetime | None = None) -> int:
    """End every open session of a user (optionally but one); returns how many."""
    query = update(UserSession).where(UserSession.user_id == user_id,
                                      UserSession.revoked_at.is_(None))
    if except_session is not None:
        query = query.where(UserSession.id != except_session)
    result = session.execute(query.values(revoked_at=_now(now)))
    return int(getattr(result, "rowcount", 0) or 0)


def sign_out_everywhere(session: Session, *, actor: Actor, now: datetime | None = None) -> int:
    """The acting user's every session ends, this one included."""
    count = revoke_all_sessions(session, user_id=actor.user_id, now=now)
    audit.record(session, "signout.all", "user_account", actor.user_id, detail={"sessions": count})
    return count


def set_locale(session: Session, *, actor: Actor, locale: str) -> None:
    if locale not in LOCALES:
        raise InvalidInput(f"locale: choose one of {', '.join(LOCALES)}.")
    user_by_id(session, actor.user_id).locale = locale


# --- second factor ---------------------------------------------------------------------------


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, *, account: str) -> str:
    """The otpauth:// URI an authenticator app reads (as text or as a QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=TOTP_ISSUER)


def has_second_factor(session: Session, *, user_id: str) -> bool:
    return user_by_id(session, user_id).totp_secret_sealed is not None  # type: ignore[attr-defined]


def enrol_second_factor(session: Session, *, actor: Actor, secret: str, code: str,
                        now: datetime | None = None) -> None:
    """Turn on TOTP for the acting user once they prove their app shows the secret's codes."""
    cleaned = secret.strip().replace(" ", "").upper()
    try:
        valid = pyotp.TOTP(cleaned).verify(code.strip(), for_time=_now(now), valid_window=1)
    except (ValueError, TypeError):  # not base32
        valid = False
    if not valid:
        raise WrongCode()
    user_by_id(session, actor.user_id).totp_secret = cleaned
    audit.record(session, "totp.enrol", "user_account", actor.user_id)


def disable_second_factor(session: Session, *, actor: Actor, password: str,
                          hasher: PasswordHasher = DEFAULT_HASHER) -> None:
    """Turn off the acting user's TOTP; the password is asked again, so a borrowed browser
    cannot remove the second factor."""
    user = user_by_id(session, actor.user_id)
    if user.password_hash is None or not _verify(hasher, user.password_hash, password):
        raise WrongPassword()
    user.totp_secret = None
    audit.record(session, "totp.disable", "user_account", actor.user_id)


# --- API tokens ------------------------------------------------------------------------------


def create_token(session: Session, *, actor: Actor, label: str, days: int | None = None,
                 user_id: str | None = None,
                 now: datetime | None = None) -> tuple[str, TokenOut]:
    """A bearer token for a program acting as the acting user (or, for an administrator, as
    ``user_id``). The token is returned once; afterwards only its label and dates are seen."""
    owner = actor.user_id if user_id is None else user_id
    if owner != actor.user_id:
        require(actor, "users.admin")
        user_by_id(session, owner)
    label = label.strip()
    if not label or len(label) > 64:
        raise InvalidInput("label: give a label of 1 to 64 characters.")
    if days is not None and not 1 <= days <= 3650:
        raise InvalidInput("days: a token lives 1 to 3650 days.")
    moment = _now(now)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=owner, label=label, token_digest=digest(token),
                   created_at=moment,
                   expires_at=None if days is None else moment + timedelta(days=days))
    session.add(row)
    session.flush()
    audit.record(session, "token.create", "api_token", row.id)
    return token, _token_out(row)


def _token_out(row: ApiToken) -> TokenOut:
    return TokenOut(id=row.id, label=row.label, created_at=as_utc(row.created_at) or utcnow(),
                    expires_at=as_utc(row.expires_at), last_used_at=as_utc(row.last_used_at),
                    revoked=row.revoked_at is not None)


def list_tokens(session: Session, *, actor: Actor) -> list[TokenOut]:
    rows = session.scalars(select(ApiToken).where(ApiToken.user_id == actor.user_id)
                           .order_by(ApiToken.created_at.desc()))
    return [_token_out(row) for row in rows]


def revoke_token(session: Session, *, actor: Actor, token_id: str,
                 now: datetime | None = None) -> None:
    """Revoke one of the acting user's tokens (an administrator may revoke anyone's)."""
    row = session.get(ApiToken, token_id)
    if row is None or (row.user_id != actor.user_id and not actor.can("users.admin")):
        raise TokenNotFound(token_id)
    if row.revoked_at is None:
        row.revoked_at = _now(now)
        audit.record(session, "token.revoke", "api_token", row.id)


def resolve_token(session: Session, *, token: str, now: datetime | None = None,
                  touch: bool = True) -> ResolvedSession | None:
    """The user a bearer token acts for, or ``None`` if it is unknown, revoked or expired;
    ``touch`` as for :func:`resolve_session` (its last-used time)."""
    moment = _now(now)
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = session.scalars(select(ApiToken).where(ApiToken.token_digest == digest(token))).first()
    if row is None or row.revoked_at is not None:
        return None
    expires = as_utc(row.expires_at)
    if expires is not None and expires <= moment:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    session.info[audit.ACTOR] = user.id
    used = as_utc(row.last_used_at)
    due = used is None or moment - used >= TOUCH_EVERY
    if due and touch:
        row.last_used_at = moment
    return ResolvedSession(actor_id=user.id, actor_name=user.name, role=user.role,
                           locale=user.locale or "en", session_id=row.id,
                           second_factor_done=True, touch_due=due and not touch)


def touch_token(session: Session, *, token_id: str, now: datetime | None = None) -> None:
    """Move an API token's last-used time on (see :func:`resolve_token`)."""
    row = session.get(ApiToken, token_id)
    moment = _now(now)
    if row is not None:
        used = as_utc(row.last_used_at)
        if used is None or used < moment:
            row.last_used_at = moment
