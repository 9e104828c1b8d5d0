"""Importing one file of one source: every row a record, a rejected row, or already present.

:func:`import_file` runs in the caller's session, which is one transaction: a failure anywhere
(a broken file at row 90,000, a lost connection, a kill) rolls back everything, and the store is
as it was. Rows are read lazily, converted (:mod:`surplace.io.convert`), and added in batches
(:mod:`surplace.records.intake`): nothing is held but the current batch, so a file of a million
rows imports in bounded memory. A dry run does all of it inside a savepoint and rolls the
savepoint back, so its counts are exact and it writes nothing.

Rows that fail validation go to a rejects CSV (row, column, value, reason): it holds the input's
own values, so the report says so, and it is written beside the input unless told otherwise.
Cells that a spreadsheet would run as formulas (``=``, ``+``, ``-``, ``@``) are written with a
leading apostrophe. The report's reasons name rules and columns, never values.

The import is recorded as an :class:`~surplace.io.models.ImportBatch` (counts, format, the
mapping as applied, the file name sealed) and one audit entry with ids and counts.
"""

from __future__ import annotations

import csv
import gc
import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy.orm import Session

from surplace.access.policy import Actor, require
from surplace.io.convert import Converter, Reject
from surplace.io.mapping import Mapping, MappingError
from surplace.io.models import ImportBatch
from surplace.io.readers import ChildFile, open_reader
from surplace.io.readers.base import ImportFileError, Reader
from surplace.records.intake import IMPORTED, PRESENT, SUPERSEDING, Intake, RecordIn
from surplace.records.sources import SourceNotFound, list_sources
from surplace.store.base import utcnow
from surplace.vault import audit

BATCH_RECORDS = 2_000
REJECTS_WARNING = ("the rejects file holds the input's own values (names, dates, places): "
                   "keep it as safe as the input and delete it when done")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class ImportProgress:
    rows: int
    records: int
    done: int
    total: int | None


@dataclass
class ImportReport:
    batch_id: str | None
    source: str
    file_format: str
    encoding: str | None
    dry_run: bool
    rows_read: int = 0
    imported: int = 0
    superseding: int = 0
    rejected: int = 0
    skipped: int = 0
    blank: int = 0
    unresolved_origins: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    rejects_file: str | None = None
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Rejects:
    """The rejects CSV, written to a temporary name and put in place only on success."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.partial = path.with_name(path.name + ".partial")
        self.handle: IO[str] | None = None
        self.writer: Any = None

    def write(self, rejects: list[Reject]) -> None:
        if self.handle is None:
            self.handle = self.partial.open("w", encoding="utf-8-sig", newline="")
            self.writer = csv.writer(self.handle)
            self.writer.writerow(["row", "column", "value", "reason"])
        for item in rejects:
            value = "'" + item.value if item.value.startswith(_FORMULA_START) else item.value
            self.writer.writerow([item.row, item.column, value, item.reason])

    def finish(self) -> str | None:
        if self.handle is None:
            return None
        self.handle.close()
        os.replace(self.partial, self.path)
        return str(self.path)

    def discard(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.partial.unlink(missing_ok=True)


def default_rejects_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.rejects.csv")


def _source_id(session: Session, actor: Actor, code: str) -> tuple[str, str]:
    wanted = code.strip().upper()
    for source in list_sources(session, actor=actor):
        if source.code == wanted:
            return source.id, source.code
    raise SourceNotFound(code)


def _child_files(path: Path, mapping: Mapping) -> dict[str, ChildFile] | None:
    files = {group: (path.parent / repeat.file, repeat.parent_key, repeat.key, repeat.parent)
             for group, repeat in mapping.repeats.items() if repeat.file}
    for group, (child, *_) in files.items():
        if not child.is_file():
            raise MappingError(f"mapping: repeats.{group}.file: no file {child.name} beside "
                               f"{path.name}")
    return files or None


def _family(name: str) -> str:
    return "workbook" if name.endswith("xlsx") else "JSON" if name.endswith("json") else "text"


def _check_format(path: Path, declared: str | None) -> None:
    """A mapping made for one kind of file (a CSV) must not read another (a workbook)."""
    suffix = path.suffix.casefold()
    kind = "workbook" if suffix in (".xlsx", ".xlsm") else "JSON" if suffix == ".json" else \
        "text"
    if declared is not None and _family(declared) != kind:
        raise MappingError(f"mapping: format {declared} does not fit {path.name} (a {kind} "
                           "file); give --format or use the mapping made for this file")


def _check_columns(reader: Reader, mapping: Mapping) -> None:
    """Every column the mapping names must be in the file (repeat columns where the format
    lists them before the rows)."""
    if not reader.fixed_columns:
        return
    known = set(reader.headers)
    named = set(mapping.columns)
    named |= {c for columns in mapping.select_multiple.values() for c in columns}
    if mapping.identity:
        named.add(mapping.identity)
    if isinstance(mapping.age_reference, str):
        named.add(mapping.age_reference)
    missing = sorted(named - known)
    if missing:
        shown = ", ".join(repr(c) for c in missing[:5])
        raise MappingError(f"mapping: {len(missing)} column(s) it names are not in "
                           f"{reader.path.name}: {shown}; its columns are "
                           f"{', '.join(repr(h) for h in reader.headers[:12])}"
                           f"{' …' if len(reader.headers) > 12 else ''}")
    for group, headers in reader.child_headers.items():
        repeat = mapping.repeats.get(group)
        absent = sorted(set(repeat.columns) - set(headers)) if repeat else []
        if absent:
            raise MappingError(f"mapping: repeats.{group}: column(s) "
                               f"{', '.join(map(repr, absent[:5]))} are not in that group")


def import_file(session: Session, *, actor: Actor, source: str, path: Path, mapping: Mapping,
                dry_run: bool = False, on_progress: Callable[[ImportProgress], None] | None = None,
                rejects_path: Path | None = None, format: str | None = None,
                encoding: str | None = None) -> ImportReport:
    """Import ``path`` as records of ``source`` (a code) with ``mapping``; see the module
    docstring. Raises :class:`ImportFileError` or :class:`MappingError` for a file or mapping
    that cannot be used; the caller's transaction then rolls back whatever was written."""
    require(actor, "source.write")
    started = time.perf_counter()
    source_id, code = _source_id(session, actor, source)
    if not path.is_file():
        raise ImportFileError(path, "no such file")
    _check_format(path, mapping.format)
    reader = open_reader(path, format=format or mapping.format,
                         encoding=encoding or mapping.encoding, delimiter=mapping.delimiter,
                         sheet=mapping.sheet, children=_child_files(path, mapping))
    rejects = _Rejects(rejects_path or default_rejects_path(path))
    try:
        with reader:
            _check_columns(reader, mapping)
            report = ImportReport(batch_id=None, source=code, file_format=reader.format,
                                  encoding=reader.encoding, dry_run=dry_run,
                                  warnings=list(reader.notes))
            if dry_run:
                savepoint = session.begin_nested()
                try:
                    _run(session, actor, source_id, path, mapping, reader, report, rejects,
                         on_progress)
                finally:
                    savepoint.rollback()
                report.batch_id = None
            else:
                _run(session, actor, source_id, path, mapping, reader, report, rejects,
                     on_progress)
    except BaseException:
        rejects.discard()
        raise
    report.rejects_file = rejects.finish()
    if report.rejects_file:
        report.warnings.append(REJECTS_WARNING)
    if report.unresolved_origins:
        report.warnings.append(f"{report.unresolved_origins:,} record(s) name an origin the "
                               "gazetteer does not know: kept as written, with no province")
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _run(session: Session, actor: Actor, source_id: str, path: Path, mapping: Mapping,
         reader: Reader, report: ImportReport, rejects: _Rejects,
         on_progress: Callable[[ImportProgress], None] | None) -> None:
    batch = ImportBatch(source_id=source_id, actor_id=actor.user_id,
                        file_format=report.file_format,
                        mapping=mapping.model_dump(mode="json", by_alias=True),
                        file_name=path.name)
    session.add(batch)
    session.flush()
    report.batch_id = batch.id
    intake = Intake(session, actor=actor, source_id=source_id, import_batch_id=batch.id)
    converter = Converter(session, mapping,
                          identity_column=getattr(reader, "identity_column", None))
    # Every object alive now (modules, the ORM's metadata, the caches) outlives the import:
    # frozen, the collector stops walking them again and again while the rows make garbage,
    # which cost a sixth of the time of a large import. Unfrozen at the end, success or not.
    gc.freeze()
    try:
        _rows(intake, converter, reader, report, rejects, on_progress)
    finally:
        gc.unfreeze()
    batch.rows_read, batch.imported, batch.rejected, batch.skipped = (
        report.rows_read, report.imported, report.rejected, report.skipped)
    batch.finished_at = utcnow()
    session.flush()
    audit.record(session, "import", "import_batch", batch.id, detail={
        "source_id": source_id, "rows": report.rows_read, "imported": report.imported,
        "superseding": report.superseding, "rejected": report.rejected,
        "skipped": report.skipped})


def _rows(intake: Intake, converter: Converter, reader: Reader,
          report: ImportReport, rejects: _Rejects,
          on_progress: Callable[[ImportProgress], None] | None) -> None:
    """Read, convert and add every row of the file, in batches."""
    reasons: Counter[str] = Counter()
    pending: list[RecordIn] = []

    def add_pending() -> None:
        outcomes = Counter(intake.add(pending))
        report.imported += outcomes[IMPORTED] + outcomes[SUPERSEDING]
        report.superseding += outcomes[SUPERSEDING]
        report.skipped += outcomes[PRESENT]
        pending.clear()
        if on_progress is not None:
            done, total = reader.position()
            on_progress(ImportProgress(report.rows_read, report.imported + report.skipped,
                                       done, total))

    for row in reader.rows():
        report.rows_read += 1
        result = converter.convert(row)
        if result.blank:
            report.blank += 1
            continue
        if result.rejects:
            rejects.write(result.rejects)
            reasons.update(f"{r.column or 'row'}: {r.reason}" for r in result.rejects)
        report.rejected += result.rejected
        report.unresolved_origins += result.unresolved_origins
        pending.extend(result.records)
        if len(pending) >= BATCH_RECORDS:
            add_pending()
    add_pending()
    report.reasons = dict(reasons.most_common(20))
