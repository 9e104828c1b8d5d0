"""Excel workbooks (.xlsx) through openpyxl in read-only mode, after a zip-bomb check.

An .xlsx file is a zip archive of XML. Before openpyxl opens it, :func:`check_archive` reads the
archive's directory with ``zipfile`` and refuses one with too many entries, an entry or a total
too large once decompressed, or an entry compressed more than real spreadsheets are (sheet XML
compresses about 10:1; a bomb, 1000:1). ``zipfile`` then holds every entry to the size its
directory declares, so a lying directory cannot smuggle more past the check.

Cells are read with their type: a formula is reported (its cached result may be stale, and a
partner's formula is not data), as is a spreadsheet error (#N/A); dates become ISO dates.
KoBoToolbox's XLSX export puts each repeat group on a sheet of its own whose ``_parent_index``
names the main sheet's ``_index``; such sheets are attached as children (:mod:`.children`). A
group nested in another names that group's sheet in ``_parent_table_name``, and its
``_parent_index`` is an ``_index`` of that sheet.
"""

from __future__ import annotations

import warnings
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time
from itertools import chain
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped]

from surplace.io.readers.base import ImportFileError, Problem, Reader, Row, unique_headers
from surplace.io.readers.children import ChildTable, attach_children

MAX_ENTRIES = 10_000
MAX_ENTRY_BYTES = 2 * 1024**3
MAX_TOTAL_BYTES = 4 * 1024**3
MAX_RATIO = 200
_RATIO_FROM_BYTES = 1024 * 1024  # small entries compress oddly and cannot hurt
KOBO_IDENTITY = ("_uuid", "meta/instanceID")


def check_archive(path: Path) -> dict[str, int]:
    """Refuse a zip bomb before anything decompresses it; returns each entry's size."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise ImportFileError(path, "not an .xlsx workbook (it is not a zip archive); save it "
                              "as .xlsx or export it as CSV") from None
    if len(entries) > MAX_ENTRIES:
        raise ImportFileError(path, f"the workbook archive has {len(entries):,} entries (more "
                              f"than {MAX_ENTRIES:,}): refused as a possible zip bomb")
    total = 0
    for entry in entries:
        total += entry.file_size
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > MAX_ENTRY_BYTES or (entry.file_size > _RATIO_FROM_BYTES
                                                 and ratio > MAX_RATIO):
            raise ImportFileError(path, f"the workbook part {entry.filename!r} expands to "
                                  f"{entry.file_size:,} bytes ({ratio:,.0f} times its "
                                  "compressed size): refused as a possible zip bomb")
    if total > MAX_TOTAL_BYTES:
        raise ImportFileError(path, f"the workbook expands to {total:,} bytes: refused as a "
                              "possible zip bomb")
    return {entry.filename: entry.file_size for entry in entries}


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


class _Sheet:
    def __init__(self, path: Path, worksheet: Any, table: str) -> None:
        self.path = path
        self.table = table
        self._rows = worksheet.iter_rows()
        self.number = 0
        self.total: int | None = worksheet.max_row
        header: list[str] = []
        for cells in self._rows:
            self.number += 1
            header = [cell_text(c.value).strip() for c in cells]
            if any(header):
                break
        if not any(header):
            raise ImportFileError(path, f"sheet {table or worksheet.title!r} is empty (no "
                                  "header row)")
        while header and not header[-1]:
            header.pop()
        self.headers, self.notes = unique_headers(header)

    def rows(self) -> Iterator[Row]:
        headers, width = self.headers, len(self.headers)
        for cells in self._rows:
            self.number += 1
            values: dict[str, str] = {}
            problems: list[Problem] = []
            for index, cell in enumerate(cells):
                kind = getattr(cell, "data_type", "n")
                text = cell_text(cell.value)
                if index >= width:
                    if text.strip():
                        problems.append(Problem(f"column {index + 1}", "a value in a column "
                                                "with no header", text))
                    continue
                column = headers[index]
                if kind == "f":
                    problems.append(Problem(column, "the cell holds a formula; import reads "
                                            "values only (paste the column as values)", text))
                elif kind == "e":
                    problems.append(Problem(column, "the cell holds a spreadsheet error",
                                            text))
                values[column] = text
            for column in headers[len(values):]:
                values.setdefault(column, "")
            yield Row(self.number, values, problems=problems, table=self.table)


class XlsxReader(Reader):
    format = "xlsx"

    def __init__(self, path: Path, *, format: str = "xlsx", sheet: str | None = None) -> None:
        super().__init__(path)
        self.format = format
        sizes = check_archive(path)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                self.book = openpyxl.load_workbook(path, read_only=True, data_only=False,
                                                   keep_links=False)
            except Exception as error:  # noqa: BLE001 - openpyxl raises many kinds
                raise ImportFileError(path, f"openpyxl cannot open the workbook "
                                      f"({type(error).__name__})") from None
        self.notes += [f"openpyxl: {w.message}" for w in caught][:5]
        try:
            names = list(self.book.sheetnames)
            if sheet is not None and sheet not in names:
                raise ImportFileError(path, f"no sheet {sheet!r}; the sheets are "
                                      f"{', '.join(map(repr, names))}")
            self.main = _Sheet(path, self.book[sheet or names[0]], "")
            self.headers, self.notes = self.main.headers, self.notes + self.main.notes
            self._children: list[tuple[str, _Sheet]] = []
            if "_index" in self.headers:
                for name in names:
                    if name == (sheet or names[0]):
                        continue
                    child = _Sheet(path, self.book[name], name)
                    if "_parent_index" in child.headers:
                        self._children.append((name, child))
                        self.child_headers[name] = child.headers
            self._sizes = sizes
        except BaseException:
            self.book.close()
            raise
        self.identity_column = next((c for c in KOBO_IDENTITY if c in self.headers), None)
        if self.identity_column and self.format == "xlsx":
            self.format = "kobo-xlsx"

    def rows(self) -> Iterator[Row]:
        rows = self._identified(self.main.rows())
        if not self._children:
            return rows
        # The sheets' sizes are not known by name here; treat them as small unless the whole
        # workbook is large, when the ordered join is used.
        size = sum(self._sizes.values())
        return attach_children(rows, [self._table(name, sheet, size)
                                      for name, sheet in self._children])

    def _table(self, name: str, sheet: _Sheet, size: int) -> ChildTable:
        """A repeat sheet, hanging from the sheet its first row's ``_parent_table_name``
        names when that is another repeat sheet, else from the main sheet."""
        rows = sheet.rows()
        first = next(rows, None)
        parent = first.values.get("_parent_table_name") if first is not None else None
        if parent not in {n for n, _ in self._children} or parent == name:
            parent = None
        return ChildTable(name, chain([] if first is None else [first], rows), "_index",
                          "_parent_index", size, parent)

    def _identified(self, rows: Iterator[Row]) -> Iterator[Row]:
        column = self.identity_column
        for row in rows:
            if column:
                row.identity = row.values.get(column) or None
            yield row

    def position(self) -> tuple[int, int | None]:
        return self.main.number, self.main.total

    def close(self) -> None:
        self.book.close()
