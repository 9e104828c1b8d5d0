"""Output shapes for evidence items, custody entries, verification and export packages, and
the conversions from rows and file names into them.

Hashes are hexadecimal text here (the database keeps raw bytes); times are UTC.
"""

from __future__ import annotations

import mimetypes
import re
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from surplace.errors import InvalidInput
from surplace.evidence.models import CustodyEntry, Evidence
from surplace.store.base import as_utc

Derivation = Literal["transcript", "translation", "redacted"]
DERIVATIONS: tuple[str, ...] = ("transcript", "translation", "redacted")
VerifyStatus = Literal["ok", "mismatch", "missing", "tampered"]
_MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,62}/[a-z0-9][a-z0-9!#$&^_.+-]{0,62}")
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,10}")


def media_type_of(given: str | None, path: Path) -> str:
    """The given media type, checked; else a guess from the name's extension."""
    if given is not None:
        value = given.strip().lower()
        if not _MEDIA_TYPE.fullmatch(value):
            raise InvalidInput("media type: must look like type/subtype, e.g. audio/mpeg.")
        return value
    guessed, _ = mimetypes.guess_type(path.name, strict=False)
    return guessed or "application/octet-stream"


def extension_for(media_type: str) -> str:
    """From the media type, never from the original name, which may say who or where."""
    guessed = mimetypes.guess_extension(media_type, strict=False)
    return guessed if guessed and _EXTENSION.fullmatch(guessed) else ".bin"


class EvidenceSummary(BaseModel):
    """What a list shows: nothing sealed, so listing reads no sensitive field."""

    id: str
    case_id: str | None
    incident_id: str | None
    parent_id: str | None
    derivation: str | None
    sha256: str
    size: int
    media_type: str
    key_version: int
    added_at: datetime
    captured_at: datetime | None


class EvidenceOut(EvidenceSummary):
    """One item with its sealed fields opened (each read is audited)."""

    file_name: str | None
    description: str | None
    capture: dict[str, Any] | None


class CustodyOut(BaseModel):
    id: str
    evidence_id: str
    at: datetime
    actor_id: str | None
    action: str
    sha256_seen: str | None
    note: str | None


class VerifyResult(BaseModel):
    evidence_id: str
    status: VerifyStatus
    sha256_expected: str
    sha256_seen: str | None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class ManifestItem(BaseModel):
    id: str
    file: str
    sha256: str
    size: int
    media_type: str
    derivation: str | None
    parent_id: str | None
    captured_at: datetime | None
    added_at: datetime


class ExportResult(BaseModel):
    package_id: str
    case_id: str
    out_dir: str
    items: list[ManifestItem]
    custody_entries: int


def summary_of(row: Evidence) -> EvidenceSummary:
    added_at = as_utc(row.added_at)
    assert added_at is not None
    return EvidenceSummary(
        id=row.id, case_id=row.case_id, incident_id=row.incident_id, parent_id=row.parent_id,
        derivation=row.derivation, sha256=bytes(row.sha256).hex(), size=row.size,
        media_type=row.media_type, key_version=row.key_version, added_at=added_at,
        captured_at=as_utc(row.captured_at),
    )


def custody_of(entry: CustodyEntry) -> CustodyOut:
    at = as_utc(entry.at)
    assert at is not None
    seen = None if entry.sha256_seen is None else bytes(entry.sha256_seen).hex()
    return CustodyOut(id=entry.id, evidence_id=entry.evidence_id, at=at,
                      actor_id=entry.actor_id, action=entry.action, sha256_seen=seen,
                      note=entry.note)
