"""Exports: rows of persons, records, incidents, acts and cases redacted by role; count tables
with disclosure control; the evidence package. The one door the faces use.

Each export is one transaction: the access policy decides the redaction first
(:mod:`~surplace.io.export.redaction`), rows stream from the readers into the file, and one
audit entry says what went out and for whom — kind, format, row count, filters, redaction level,
recipient organisation and the file's SHA-256, never a value from a row — before the
transaction commits. The file is written under a temporary name and takes its own name only
after the commit: a refused or failed export leaves no file and no entry (the sensitive reads it
made are still audited, as every read is).

:func:`write_export` and :func:`aggregate_table` take a session and the acting user like every
domain service; :func:`export_rows`, :func:`export_aggregate` and :func:`export_evidence` add the
file and the transaction around them, as the evidence service does for its package.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy.orm import Session

from surplace.access.policy import Actor
from surplace.evidence.schemas import ExportResult as EvidenceExportResult
from surplace.incidents.models import Act, Incident
from surplace.io.export import aggregates, casefiles, events, people
from surplace.io.export.disclosure import DEFAULT_THRESHOLD, ProtectedTable, protect
from surplace.io.export.redaction import Scope, aggregate_scope, scope_for
from surplace.io.export.schemas import (
    ExportResult,
    Filters,
    Format,
    Kind,
    Of,
    check_recipient,
    parse_dimensions,
)
from surplace.io.export.tags import tags_for
from surplace.io.export.writers import Output, write_rows
from surplace.records.models import Person, Record
from surplace.vault import audit
from surplace.vault.service import Unlocked

Progress = Callable[[int, int | None], None]
Rows = Iterator[dict[str, Any]]

#: The tag-table section of each kind's columns.
SECTIONS = {Kind.persons: "person", Kind.records: "record", Kind.incidents: "incident",
            Kind.acts: "act", Kind.cases: "case"}


def _no_progress(done: int, total: int | None) -> None:
    return None


def checked(filters: Filters) -> Filters:
    """The filters with their terms checked against the vocabularies (suggestions on a typo)."""
    from surplace.incidents.vocabularies import check as check_act
    from surplace.records.vocabularies import check as check_record

    return Filters(
        year=filters.year,
        province=None if filters.province is None else check_record(
            "province", filters.province, field="--province"),
        act_type=None if filters.act_type is None else check_act(
            "act_type", filters.act_type.strip().lower(), field="--act-type"))


def columns_for(kind: Kind, scope: Scope) -> list[str]:
    if kind is Kind.persons:
        return people.person_columns(scope)
    if kind is Kind.records:
        return people.record_columns(scope)
    if kind is Kind.incidents:
        return events.incident_columns(scope)
    if kind is Kind.acts:
        return events.act_columns(scope)
    return casefiles.case_columns(scope)


def _rows(session: Session, actor: Actor, kind: Kind, scope: Scope, filters: Filters,
          scanned: Callable[[int], None]) -> tuple[Rows, int | None]:
    """The rows of ``kind`` and how many rows the readers will scan (for progress)."""
    if kind is Kind.persons:
        return (people.person_rows(session, scope, filters, on_scanned=scanned),
                people.count(session, Person, people.person_where(filters)))
    if kind is Kind.records:
        return (people.record_rows(session, scope, filters, on_scanned=scanned),
                people.count(session, Record, people.record_where(filters)))
    if kind is Kind.incidents:
        return (events.incident_rows(session, scope, filters, on_scanned=scanned),
                people.count(session, Incident, events.incident_where(filters)))
    if kind is Kind.acts:
        return (events.act_rows(session, scope, filters, on_scanned=scanned),
                people.count(session, Act, events.act_where(filters)))
    return casefiles.case_rows(session, actor, scope, filters, on_scanned=scanned), None


def write_export(session: Session, *, actor: Actor, kind: Kind, fmt: Format, stream: IO[str],
                 filters: Filters | None = None, header: Mapping[str, Any] | None = None,
                 on_progress: Progress = _no_progress) -> tuple[int, Scope]:
    """Write ``kind`` for ``actor`` to ``stream``; returns the row count and the redaction.
    Refused (nothing written) if the actor's role may not export ``kind``."""
    scope = scope_for(session, actor, kind)
    wanted = checked(filters or Filters())
    columns = columns_for(kind, scope)
    done = 0
    total: int | None = None

    def scanned(count: int) -> None:
        nonlocal done
        done += count
        on_progress(done, total)

    rows, total = _rows(session, actor, kind, scope, wanted, scanned)
    on_progress(0, total)
    tags = tags_for(SECTIONS[kind], columns) if fmt is Format.hxl else None
    head = {"export": {**(header or {}), "kind": kind.value, "redaction": scope.level.value,
                       "filters": wanted.given()}}
    written = write_rows(stream, rows, fmt=fmt, columns=columns, tags=tags, header=head)
    return written, scope


def _record(session: Session, export_id: str, detail: dict[str, Any]) -> None:
    audit.record(session, "export", "export", export_id,
                 detail={key: value for key, value in detail.items() if value is not None})


def export_rows(unlocked: Unlocked, *, kind: Kind, fmt: Format, out: Path,
                recipient: str | None, filters: Filters | None = None, force: bool = False,
                bom: bool = False, on_progress: Progress = _no_progress) -> ExportResult:
    """Export ``kind`` to the file ``out`` for the organisation ``recipient`` (required)."""
    recipient = check_recipient(recipient, required=True)
    output = Output(out, force=force, bom=bom)
    export_id = str(uuid.uuid4())
    header = {"id": export_id, "for": recipient,
              "exported_at": datetime.now(UTC).isoformat(timespec="seconds")}
    try:
        with unlocked.session() as session:
            wanted = checked(filters or Filters())
            rows, scope = write_export(session, actor=unlocked.actor, kind=kind, fmt=fmt,
                                       stream=output.open(), filters=wanted, header=header,
                                       on_progress=on_progress)
            digest = output.close()
            result = ExportResult(export_id=export_id, kind=kind.value, format=fmt.value,
                                  rows=rows, redaction=scope.level.value, recipient=recipient,
                                  filters=wanted.given(), sha256=digest)
            _record(session, export_id, result.model_dump(exclude={"export_id"}))
    except BaseException:
        output.discard()
        raise
    output.place()
    return result


def aggregate_table(session: Session, *, actor: Actor, of: Of, by: str | Sequence[str],
                    threshold: int = DEFAULT_THRESHOLD, filters: Filters | None = None,
                    on_progress: Progress = _no_progress) -> ProtectedTable:
    """Counts of ``of`` by the dimensions ``by``, with disclosure control (see
    :mod:`~surplace.io.export.disclosure`). Needs ``aggregate.read``."""
    aggregate_scope(actor)
    dimensions = parse_dimensions(by)
    if threshold < 1:
        from surplace.errors import InvalidInput

        raise InvalidInput("--threshold: must be at least 1.")
    wanted = checked(filters or Filters())
    done = 0

    def scanned(count: int) -> None:
        nonlocal done
        done += count
        on_progress(done, None)

    counts, seen = aggregates.tally(aggregates.units(session, of, wanted, on_scanned=scanned),
                                    dimensions)
    names = [aggregates.categories(dimension, of, found)
             for dimension, found in zip(dimensions, seen, strict=True)]
    return protect(counts, dimensions=dimensions, categories=names, threshold=threshold)


def table_rows(table: ProtectedTable) -> Rows:
    for cell in table.cells():
        row: dict[str, Any] = dict(zip(table.dimensions, cell.key, strict=True))
        row.update(count=cell.count, suppressed=cell.suppressed)
        yield row


def export_aggregate(unlocked: Unlocked, *, of: Of, by: str | Sequence[str], fmt: Format,
                     out: Path, threshold: int = DEFAULT_THRESHOLD,
                     recipient: str | None = None, filters: Filters | None = None,
                     force: bool = False, bom: bool = False,
                     on_progress: Progress = _no_progress) -> ExportResult:
    """A count table with disclosure control written to ``out``; ``recipient`` is optional."""
    recipient = check_recipient(recipient, required=False)
    aggregate_scope(unlocked.actor)
    dimensions = parse_dimensions(by)
    output = Output(out, force=force, bom=bom)
    export_id = str(uuid.uuid4())
    try:
        with unlocked.session() as session:
            wanted = checked(filters or Filters())
            table = aggregate_table(session, actor=unlocked.actor, of=of, by=dimensions,
                                    threshold=threshold, filters=wanted,
                                    on_progress=on_progress)
            columns = [*dimensions, "count", "suppressed"]
            header = {"export": {
                "id": export_id, "of": of.value, "by": list(dimensions), "for": recipient,
                "threshold": threshold, "protection": table.protection,
                "filters": wanted.given(), "redaction": "aggregate",
                "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "note": "Cells below the threshold, and cells that would reveal them, are "
                        "suppressed (count null); zero cells are published; every margin "
                        "('total') is the sum of its cells."}}
            rows = write_rows(output.open(), table_rows(table), fmt=fmt, columns=columns,
                              tags=tags_for("aggregate", columns) if fmt is Format.hxl
                              else None, header=header)
            digest = output.close()
            result = ExportResult(
                export_id=export_id, kind=f"aggregate:{of.value}", format=fmt.value, rows=rows,
                redaction="aggregate", recipient=recipient, filters=wanted.given(),
                sha256=digest, by=list(dimensions), threshold=threshold,
                suppressed=table.suppressed_count)
            _record(session, export_id, result.model_dump(exclude={"export_id"}))
    except BaseException:
        output.discard()
        raise
    output.place()
    return result


def export_evidence(unlocked: Unlocked, *, case: str, out_dir: Path, recipient: str | None,
                    on_progress: Callable[[int, int], None] | None = None
                    ) -> EvidenceExportResult:
    """The evidence package of a case, made by the evidence service (which writes the files,
    the custody entries and its own ``evidence.export`` entry), then one export entry naming
    the recipient."""
    from surplace.evidence import service as evidence_service

    recipient = check_recipient(recipient, required=True)
    if on_progress is None:
        result = evidence_service.export_package(unlocked, case=case, out_dir=out_dir)
    else:
        result = evidence_service.export_package(unlocked, case=case, out_dir=out_dir,
                                                 on_progress=on_progress)
    with unlocked.session() as session:
        _record(session, result.package_id, {
            "kind": "evidence", "format": "package", "rows": len(result.items),
            "redaction": "full", "recipient": recipient, "case": result.case_id})
    return result
