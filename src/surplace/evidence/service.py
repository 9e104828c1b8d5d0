"""Evidence: add files and files derived from them, open, verify and export them, with custody.

Every function takes the unlocked store rather than a session, because each moves file content
through the blob store and a file may be gigabytes: the blob work runs *outside* any database
transaction (on SQLite a transaction holds the store's one write lock), between short
transactions that each function opens itself. A blob written for a row that then fails to
commit is deleted again, so no orphan ciphertext is left behind.

Custody entries are written in the same transaction as the step they record, and every one of
them (like every evidence row) also lands in the audit chain through the flush events. Custody
actions: ``added``, ``derived`` (on the parent, naming the child), ``viewed``, ``verified``,
``verify-failed`` and ``exported``. Notes written here carry ids only.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from surplace.access.policy import require
from surplace.cases.models import Case
from surplace.errors import InvalidInput
from surplace.evidence.blobs import BlobStore
from surplace.evidence.exceptions import (
    BlobMissing,
    CaseNotFound,
    EvidenceError,
    EvidenceNotFound,
    ExportRefused,
    FixityFailure,
    IncidentNotFound,
    SourceUnreadable,
)
from surplace.evidence.models import CustodyEntry, Evidence
from surplace.evidence.schemas import (
    DERIVATIONS,
    CustodyOut,
    EvidenceOut,
    EvidenceSummary,
    ExportResult,
    ManifestItem,
    VerifyResult,
    custody_of,
    extension_for,
    media_type_of,
    summary_of,
)
from surplace.incidents.models import Incident
from surplace.store.base import as_utc, new_id
from surplace.vault import audit
from surplace.vault.exceptions import TamperedCiphertext, VaultLocked
from surplace.vault.service import Unlocked

Progress = Callable[[int, int], None]
PACKAGE_FORMAT = "surplace-evidence-package/1"


def _no_progress(done: int, total: int) -> None:
    """The default progress callback (items done, items in all), for callers without a bar."""


def _blobs(unlocked: Unlocked) -> BlobStore:
    return BlobStore(unlocked.store.blob_dir)


def _resolve_case(session: Session, reference: str) -> str:
    query = select(Case.id).where(or_(Case.id == reference, Case.case_number == reference))
    case_id = session.scalars(query).first()
    if case_id is None:
        raise CaseNotFound(reference)
    return case_id


def _check_incident(session: Session, incident_id: str) -> None:
    if session.get(Incident, incident_id) is None:
        raise IncidentNotFound(incident_id)


def _get(session: Session, evidence_id: str) -> Evidence:
    row = session.get(Evidence, evidence_id)
    if row is None:
        raise EvidenceNotFound(evidence_id)
    return row


def _custody(session: Session, unlocked: Unlocked, evidence_id: str, action: str, *,
             sha256: bytes | None = None, note: str | None = None) -> None:
    entry = CustodyEntry(evidence_id=evidence_id, actor_id=unlocked.actor.user_id,
                         action=action, sha256_seen=sha256, at=datetime.now(UTC))
    if note is not None:
        entry.note = note
    session.add(entry)


@contextlib.contextmanager
def _discard_on_error(blobs: BlobStore, evidence_id: str) -> Iterator[None]:
    try:
        yield
    except BaseException:
        blobs.delete(evidence_id)
        raise


def _ingest(unlocked: Unlocked, path: Path,
            evidence_id: str) -> tuple[bytes, int, datetime, int]:
    """Encrypt the file into the blob store under the current key generation; returns
    (SHA-256, size, modification time, the generation used for the row to record)."""
    try:
        source: BinaryIO = path.open("rb")
    except FileNotFoundError:
        raise SourceUnreadable("it does not exist") from None
    except IsADirectoryError:
        raise SourceUnreadable("it is a folder") from None
    except OSError as error:
        raise SourceUnreadable(error.strerror or "operating system error") from None
    with source:
        status = os.fstat(source.fileno())
        if not stat.S_ISREG(status.st_mode):  # a pipe or device could stream for ever
            raise SourceUnreadable("it is not a regular file")
        modified = datetime.fromtimestamp(status.st_mtime, UTC)
        key = unlocked.keyring.current
        try:
            sha256, size = _blobs(unlocked).write(evidence_id, key, source)
        except OSError as error:  # the OS message would name the file: keep only its reason
            raise EvidenceError(f"Storing evidence {evidence_id} failed: "
                                f"{error.strerror or 'operating system error'}.") from None
    return sha256, size, modified, key.version


def add_evidence(unlocked: Unlocked, *, path: Path, case: str | None = None,
                 incident_id: str | None = None, description: str | None = None,
                 media_type: str | None = None, captured_at: datetime | None = None,
                 capture: dict[str, Any] | None = None) -> EvidenceSummary:
    """Encrypt a file into the store as evidence of a case (id or number) and/or incident.

    The original name, the description and the capture metadata (with the file's modification
    time) are sealed; the SHA-256, size and media type are kept in the clear for fixity checks.
    """
    require(unlocked.actor, "evidence.write")
    if case is None and incident_id is None:
        raise InvalidInput("Evidence must belong to a case or an incident.")
    kind = media_type_of(media_type, path)

    def owners(session: Session) -> str | None:
        if incident_id is not None:
            _check_incident(session, incident_id)
        return None if case is None else _resolve_case(session, case)

    with unlocked.session() as session:
        owners(session)
    evidence_id = new_id()
    blobs = _blobs(unlocked)
    sha256, size, modified, key_version = _ingest(unlocked, path, evidence_id)
    with _discard_on_error(blobs, evidence_id), unlocked.session() as session:
        row = Evidence(id=evidence_id, case_id=owners(session), incident_id=incident_id,
                       sha256=sha256, size=size, media_type=kind,
                       key_version=key_version, captured_at=as_utc(captured_at))
        row.file_name = path.name
        row.description = description
        row.capture = {"source_modified_at": modified.isoformat(), **(capture or {})}
        session.add(row)
        session.flush()
        _custody(session, unlocked, evidence_id, "added", sha256=sha256)
        return summary_of(row)


def add_derived(unlocked: Unlocked, *, parent_id: str, path: Path, derivation: str,
                description: str | None = None, media_type: str | None = None
                ) -> EvidenceSummary:
    """Add a transcript, translation or redacted excerpt of an item as an item of its own.

    It has its own hash and custody, belongs to the parent's case and incident, and names the
    parent; the parent's custody records the derivation with the new item's id.
    """
    require(unlocked.actor, "evidence.write")
    if derivation not in DERIVATIONS:
        raise InvalidInput(f"derivation: must be one of {', '.join(DERIVATIONS)}.")
    kind = media_type_of(media_type, path)
    with unlocked.session() as session:
        _get(session, parent_id)
    evidence_id = new_id()
    blobs = _blobs(unlocked)
    sha256, size, modified, key_version = _ingest(unlocked, path, evidence_id)
    with _discard_on_error(blobs, evidence_id), unlocked.session() as session:
        parent = _get(session, parent_id)
        row = Evidence(id=evidence_id, case_id=parent.case_id, incident_id=parent.incident_id,
                       parent_id=parent.id, derivation=derivation, sha256=sha256, size=size,
                       media_type=kind, key_version=key_version)
        row.file_name = path.name
        row.description = description
        row.capture = {"source_modified_at": modified.isoformat()}
        session.add(row)
        session.flush()
        _custody(session, unlocked, evidence_id, "added", sha256=sha256,
                 note=f"{derivation} of {parent_id}")
        _custody(session, unlocked, parent_id, "derived", note=f"{derivation} {evidence_id}")
        return summary_of(row)


def _checked(evidence_id: str, chunks: Iterator[bytes], sha256: bytes,
             size: int) -> Iterator[bytes]:
    digest = hashlib.sha256()
    seen = 0
    for chunk in chunks:
        digest.update(chunk)
        seen += len(chunk)
        yield chunk
    if digest.digest() != sha256 or seen != size:
        raise FixityFailure(evidence_id)


def open_evidence(unlocked: Unlocked, *, evidence_id: str) -> Iterator[bytes]:
    """The plaintext in chunks; custody records the view before the first byte leaves.

    Each chunk is authenticated; the hash is compared at the end, where a difference raises
    :class:`FixityFailure`.
    """
    require(unlocked.actor, "evidence.read")
    with unlocked.session() as session:
        row = _get(session, evidence_id)
        sha256, size = bytes(row.sha256), row.size
    chunks = _blobs(unlocked).read(evidence_id, unlocked.keyring)
    with unlocked.session() as session:
        _custody(session, unlocked, evidence_id, "viewed")
    return _checked(evidence_id, chunks, sha256, size)


def view_evidence(unlocked: Unlocked, *, evidence_id: str, out: BinaryIO) -> int:
    """Write an item's plaintext to a binary stream; returns the number of bytes."""
    written = 0
    for chunk in open_evidence(unlocked, evidence_id=evidence_id):
        out.write(chunk)
        written += len(chunk)
    return written


def show_evidence(unlocked: Unlocked, *, evidence_id: str) -> EvidenceOut:
    """One item with its sealed fields (the reads are audited)."""
    require(unlocked.actor, "evidence.read")
    with unlocked.session() as session:
        row = _get(session, evidence_id)
        return EvidenceOut(**summary_of(row).model_dump(), file_name=row.file_name,
                           description=row.description, capture=row.capture)


def list_evidence(unlocked: Unlocked, *, case: str | None = None) -> list[EvidenceSummary]:
    """Items, oldest first, optionally of one case; opens no sealed field."""
    require(unlocked.actor, "evidence.read")
    with unlocked.session() as session:
        query = select(Evidence).order_by(Evidence.added_at, Evidence.id)
        if case is not None:
            query = query.where(Evidence.case_id == _resolve_case(session, case))
        return [summary_of(row) for row in session.scalars(query)]


def custody_log(unlocked: Unlocked, *, evidence_id: str) -> list[CustodyOut]:
    require(unlocked.actor, "evidence.read")
    with unlocked.session() as session:
        _get(session, evidence_id)
        query = (select(CustodyEntry).where(CustodyEntry.evidence_id == evidence_id)
                 .order_by(CustodyEntry.at, CustodyEntry.id))
        return [custody_of(entry) for entry in session.scalars(query)]


def _verify_one(blobs: BlobStore, unlocked: Unlocked, evidence_id: str, sha256: bytes,
                size: int) -> VerifyResult:
    expected = sha256.hex()
    digest = hashlib.sha256()
    seen = 0
    try:
        for chunk in blobs.read(evidence_id, unlocked.keyring):
            digest.update(chunk)
            seen += len(chunk)
    except BlobMissing as error:
        return VerifyResult(evidence_id=evidence_id, status="missing", sha256_expected=expected,
                            sha256_seen=None, problem=str(error))
    except (TamperedCiphertext, VaultLocked) as error:
        return VerifyResult(evidence_id=evidence_id, status="tampered",
                            sha256_expected=expected, sha256_seen=None, problem=str(error))
    found = digest.hexdigest()
    if found == expected and seen == size:
        return VerifyResult(evidence_id=evidence_id, status="ok", sha256_expected=expected,
                            sha256_seen=found)
    return VerifyResult(evidence_id=evidence_id, status="mismatch", sha256_expected=expected,
                        sha256_seen=found, problem=str(FixityFailure(evidence_id)))


def verify_all(unlocked: Unlocked, *, on_progress: Progress = _no_progress
               ) -> list[VerifyResult]:
    """Decrypt and re-hash every item; custody records each check and its outcome."""
    require(unlocked.actor, "evidence.read")
    with unlocked.session() as session:
        query = select(Evidence.id, Evidence.sha256, Evidence.size).order_by(
            Evidence.added_at, Evidence.id)
        rows = [(str(i), bytes(h), int(s)) for i, h, s in session.execute(query)]
    blobs = _blobs(unlocked)
    results: list[VerifyResult] = []
    on_progress(0, len(rows))
    for number, (evidence_id, sha256, size) in enumerate(rows, start=1):
        results.append(_verify_one(blobs, unlocked, evidence_id, sha256, size))
        on_progress(number, len(rows))
    with unlocked.session() as session:
        for result in results:
            seen = None if result.sha256_seen is None else bytes.fromhex(result.sha256_seen)
            _custody(session, unlocked, result.evidence_id,
                     "verified" if result.ok else "verify-failed", sha256=seen,
                     note=None if result.ok else result.status)
    return results


def _prepare_folder(out_dir: Path) -> bool:
    """Make the export folder; returns whether it was created (and so may be removed)."""
    if out_dir.exists():
        if not out_dir.is_dir() or any(out_dir.iterdir()):
            raise ExportRefused("The export folder must be new or empty.")
        return False
    out_dir.mkdir(mode=0o700, parents=True)
    return True


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    with os.fdopen(fd, "wb") as sink:
        sink.write(data)
        sink.flush()
        os.fsync(sink.fileno())


def _export_file(blobs: BlobStore, unlocked: Unlocked, item: EvidenceSummary, out_dir: Path,
                 written: list[Path]) -> ManifestItem:
    """Decrypt one item into the folder; the file gets its final name only once its hash
    matched, so a failed export never leaves a partial file that looks complete."""
    name = item.id + extension_for(item.media_type)
    part = out_dir / f".{item.id}.part"
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    written.append(part)
    with os.fdopen(fd, "wb") as sink:
        for chunk in _checked(item.id, blobs.read(item.id, unlocked.keyring),
                              bytes.fromhex(item.sha256), item.size):
            sink.write(chunk)
        sink.flush()
        os.fsync(sink.fileno())
    os.replace(part, out_dir / name)
    written[-1] = out_dir / name
    return ManifestItem(id=item.id, file=name, sha256=item.sha256, size=item.size,
                        media_type=item.media_type, derivation=item.derivation,
                        parent_id=item.parent_id, captured_at=item.captured_at,
                        added_at=item.added_at)


def export_package(unlocked: Unlocked, *, case: str, out_dir: Path,
                   on_progress: Progress = _no_progress) -> ExportResult:
    """Write a case's evidence in plaintext, with ``manifest.json`` and ``custody.json``.

    The package is for a lawyer, a court or a UN mechanism: files are named by evidence id and
    an extension from the media type; the manifest lists each file's id, hash, size, media type
    and derivation, who exported it and when; the custody log holds every entry of every item,
    including the ``exported`` entries of this export, which are committed only if the whole
    package was written. Anything written is removed again if a step fails.
    """
    require(unlocked.actor, "evidence.read")
    with unlocked.session() as session:
        case_id = _resolve_case(session, case)
        case_number = session.scalars(select(Case.case_number).where(Case.id == case_id)).one()
        query = select(Evidence).where(Evidence.case_id == case_id).order_by(
            Evidence.added_at, Evidence.id)
        items = [summary_of(row) for row in session.scalars(query)]
    created = _prepare_folder(out_dir)
    written: list[Path] = []
    blobs = _blobs(unlocked)
    package_id = new_id()
    try:
        manifest_items: list[ManifestItem] = []
        on_progress(0, len(items))
        for number, item in enumerate(items, start=1):
            manifest_items.append(_export_file(blobs, unlocked, item, out_dir, written))
            on_progress(number, len(items))
        with unlocked.session() as session:
            for item in items:
                _custody(session, unlocked, item.id, "exported",
                         sha256=bytes.fromhex(item.sha256), note=f"package {package_id}")
            audit.record(session, "evidence.export", "protection_case", case_id,
                         detail={"package": package_id, "items": len(items)})
            session.flush()
            entries = (select(CustodyEntry)
                       .join(Evidence, Evidence.id == CustodyEntry.evidence_id)
                       .where(Evidence.case_id == case_id)
                       .order_by(CustodyEntry.at, CustodyEntry.id))
            custody = [custody_of(entry).model_dump(mode="json")
                       for entry in session.scalars(entries)]
            custody_bytes = json.dumps(custody, ensure_ascii=False, indent=2).encode("utf-8")
            written.append(out_dir / "custody.json")
            _write_private(out_dir / "custody.json", custody_bytes)
            manifest = {
                "format": PACKAGE_FORMAT, "package_id": package_id, "case_id": case_id,
                "case_number": case_number, "exported_at": datetime.now(UTC).isoformat(),
                "exported_by": unlocked.actor.user_id,
                "custody_file": "custody.json",
                "custody_sha256": hashlib.sha256(custody_bytes).hexdigest(),
                "items": [m.model_dump(mode="json") for m in manifest_items],
            }
            written.append(out_dir / "manifest.json")
            _write_private(out_dir / "manifest.json",
                           json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"))
    except BaseException as error:
        for path in written:
            with contextlib.suppress(OSError):
                path.unlink()
        if created:
            with contextlib.suppress(OSError):
                out_dir.rmdir()
        if isinstance(error, OSError):  # its own message would print the folder's path
            raise ExportRefused(f"Writing the package of case {case_id} failed: "
                                f"{error.strerror or 'operating system error'}.") from None
        raise
    return ExportResult(package_id=package_id, case_id=case_id, out_dir=str(out_dir),
                        items=manifest_items, custody_entries=len(custody))
