"""Audit operations for the faces: verify the chain; list entries with filters a page at a time
(``limit`` and ``offset`` read in the database) and count them, so a page can link to the others."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select, func, select

from surplace.access.models import User
from surplace.access.policy import require
from surplace.errors import InvalidInput
from surplace.vault import audit
from surplace.vault.audit import AuditEntry
from surplace.vault.audit_verify import ChainReport, verify_chain
from surplace.vault.service import Unlocked

#: A query on the audit entries (their rows, or their count) that filters narrow.
Q = TypeVar("Q", bound="Select[*tuple[Any, ...]]")


class AuditEntryOut(BaseModel):
    seq: int
    at: str
    actor_id: str | None
    actor: str | None
    action: str
    object_type: str
    object_id: str | None
    field: str | None
    detail: str | None


def verify(unlocked: Unlocked) -> ChainReport:
    """Check the chain; when it is sound, record that this user checked it."""
    require(unlocked.actor, "audit.read")
    with unlocked.session() as session:
        report = verify_chain(session, unlocked.keyring)
    if report.ok:
        with unlocked.session() as session:
            audit.record(session, "audit.verify", "audit_head", "1",
                         detail={"entries": report.entries})
    return report


def _iso(value: str | None, option: str) -> str | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"--{option}: {value!r} is not an ISO date or time.") from None
    # Entries are stamped in UTC; a time given with an offset is converted, one without is UTC.
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat()


def _filtered(query: Q, *, actor_name: str | None, action: str | None,
              object_type: str | None, object_id: str | None, since: str | None,
              until: str | None) -> Q:
    since_iso, until_iso = _iso(since, "since"), _iso(until, "until")
    if actor_name:
        query = query.where(User.name == actor_name)
    if action:
        query = query.where(AuditEntry.action == action)
    if object_type:
        query = query.where(AuditEntry.object_type == object_type)
    if object_id:
        query = query.where(AuditEntry.object_id == object_id)
    if since_iso:
        query = query.where(AuditEntry.at >= since_iso)
    if until_iso:
        query = query.where(AuditEntry.at < until_iso)
    return query


def list_entries(unlocked: Unlocked, *, actor_name: str | None = None, action: str | None = None,
                 object_type: str | None = None, object_id: str | None = None,
                 since: str | None = None, until: str | None = None,
                 limit: int = 100, offset: int = 0) -> list[AuditEntryOut]:
    """Entries newest first, filtered (user name, action, object, ``since`` ≤ time <
    ``until``), from the ``offset``-th match on: the web's pages and the API's ``offset``
    read the database's page, not a cut of everything newer."""
    require(unlocked.actor, "audit.read")
    if limit < 1 or offset < 0:
        raise InvalidInput("--limit: at least 1; --offset: not negative.")
    with unlocked.session() as session:
        query = _filtered(
            select(AuditEntry, User.name).outerjoin(User, User.id == AuditEntry.actor_id)
            .order_by(AuditEntry.seq.desc()).limit(limit).offset(offset),
            actor_name=actor_name, action=action, object_type=object_type,
            object_id=object_id, since=since, until=until)
        return [
            AuditEntryOut(seq=e.seq, at=e.at, actor_id=e.actor_id, actor=name, action=e.action,
                          object_type=e.object_type, object_id=e.object_id, field=e.field,
                          detail=e.detail)
            for e, name in session.execute(query)
        ]


def count_entries(unlocked: Unlocked, *, actor_name: str | None = None,
                  action: str | None = None, object_type: str | None = None,
                  object_id: str | None = None, since: str | None = None,
                  until: str | None = None) -> int:
    """How many entries the same filters as :func:`list_entries` match."""
    require(unlocked.actor, "audit.read")
    with unlocked.session() as session:
        query = _filtered(
            select(func.count()).select_from(AuditEntry)
            .outerjoin(User, User.id == AuditEntry.actor_id),
            actor_name=actor_name, action=action, object_type=object_type,
            object_id=object_id, since=since, until=until)
        return int(session.scalar(query) or 0)
