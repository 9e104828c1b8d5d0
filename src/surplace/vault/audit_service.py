"""Audit operations for the faces: verify the chain, list entries with filters."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy import select

from surplace.access.models import User
from surplace.access.policy import require
from surplace.errors import InvalidInput
from surplace.vault import audit
from surplace.vault.audit import AuditEntry
from surplace.vault.audit_verify import ChainReport, verify_chain
from surplace.vault.service import Unlocked


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


def list_entries(unlocked: Unlocked, *, actor_name: str | None = None, action: str | None = None,
                 object_type: str | None = None, object_id: str | None = None,
                 since: str | None = None, until: str | None = None,
                 limit: int = 100) -> list[AuditEntryOut]:
    require(unlocked.actor, "audit.read")
    since_iso, until_iso = _iso(since, "since"), _iso(until, "until")
    with unlocked.session() as session:
        query = (select(AuditEntry, User.name).outerjoin(User, User.id == AuditEntry.actor_id)
                 .order_by(AuditEntry.seq.desc()).limit(limit))
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
        return [
            AuditEntryOut(seq=e.seq, at=e.at, actor_id=e.actor_id, actor=name, action=e.action,
                          object_type=e.object_type, object_id=e.object_id, field=e.field,
                          detail=e.detail)
            for e, name in session.execute(query)
        ]
