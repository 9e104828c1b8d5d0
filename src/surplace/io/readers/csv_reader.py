"""CSV files: any delimiter, any of the encodings partners use, rows checked for shape.

The delimiter is found by ``csv.Sniffer`` on the first lines (``,``, ``;``, tab or ``|``;
KoBoToolbox's CSV export uses ``;``), falling back to the one the header line holds most of.
The file is decoded strictly: bytes that are not valid in the encoding stop the file with the
row they are on, rather than being replaced by U+FFFD and imported as a misspelt name. A row
with more or fewer cells than the header is a *ragged* row: rejected with the counts, never
padded or cut (trailing empty cells, which spreadsheet programs add, are allowed).

KoBoToolbox and ODK Central CSV exports are CSV files with a submission identity (``_uuid``,
``KEY``); ODK Central writes each repeat group to a file of its own (``FORM-GROUP.csv``, rows
joined by ``PARENT_KEY`` to the main file's ``KEY``, or to the ``KEY`` of the group file it is
nested in), which :mod:`.children` attaches.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from surplace.io.readers.base import ImportFileError, Problem, Reader, Row, unique_headers
from surplace.io.readers.children import ChildTable, attach_children
from surplace.io.readers.encoding import describe_decode_error, detect_encoding

DELIMITERS = ",;\t|"
#: A field longer than this stops the file: it is almost always an unclosed quote that has
#: swallowed the rest of the file. Shorter enormous fields are rejected per row by the limit
#: in :mod:`surplace.io.values`.
CSV_FIELD_LIMIT = 1024 * 1024
_SNIFF_CHARS = 64 * 1024
IDENTITY_COLUMNS = {"kobo-csv": ("_uuid", "meta/instanceID"),
                    "odk-csv": ("KEY", "meta-instanceID", "instanceID")}


def sniff_delimiter(sample: str) -> str:
    lines = sample.splitlines()
    if len(sample) >= _SNIFF_CHARS and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut
    text = "\n".join(lines)
    header = lines[0] if lines else ""
    try:
        found = csv.Sniffer().sniff(text, delimiters=DELIMITERS).delimiter
        if found in DELIMITERS and (header.count(found) or not any(
                header.count(d) for d in DELIMITERS)):
            return found
    except csv.Error:
        pass
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


class CsvTable:
    """One CSV file as header and rows (no child tables)."""

    def __init__(self, path: Path, *, encoding: str | None = None,
                 delimiter: str | None = None, table: str = "") -> None:
        self.path = path
        self.declared = encoding is not None
        self.encoding = detect_encoding(path, encoding)
        self.table = table
        self._binary = path.open("rb")
        self.size = path.stat().st_size
        try:
            self._start(path, delimiter)
        except BaseException:
            self._binary.close()
            raise

    def _start(self, path: Path, delimiter: str | None) -> None:
        self._text = io.TextIOWrapper(self._binary, encoding=self.encoding, errors="strict",
                                      newline="")
        try:
            sample = self._text.read(_SNIFF_CHARS)
        except UnicodeDecodeError:
            raise describe_decode_error(path, self.encoding, 1, self.declared) from None
        self.delimiter = delimiter or sniff_delimiter(sample)
        self._text.seek(0)
        csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
        self._reader = csv.reader(self._text, delimiter=self.delimiter)
        self.number = 0
        first = self._next()
        while first is not None and not any(cell.strip() for cell in first):
            first = self._next()  # blank lines before the header
        if first is None:
            raise ImportFileError(path, "the file is empty (no header row)")
        self.headers, self.notes = unique_headers(first)
        self.header_number = self.number

    def _next(self) -> list[str] | None:
        try:
            cells = next(self._reader, None)
        except UnicodeDecodeError:
            raise describe_decode_error(self.path, self.encoding, self.number + 1,
                                        self.declared) from None
        except csv.Error as error:
            raise ImportFileError(self.path, f"the CSV cannot be read on ({error}; an unclosed "
                                  "quote?)", row=self.number + 1) from None
        if cells is not None:
            self.number += 1
        return cells

    def rows(self) -> Iterator[Row]:
        width = len(self.headers)
        while (cells := self._next()) is not None:
            row = Row(self.number, dict(zip(self.headers, cells, strict=False)),
                      table=self.table)
            if len(cells) != width and cells:
                extra_blank = len(cells) > width and not any(c.strip() for c in cells[width:])
                if not extra_blank:
                    row.problems.append(Problem(
                        "", f"ragged row: it has {len(cells)} cells, the header has {width}",
                        self.delimiter.join(cells)))
            for header in self.headers[len(cells):]:
                row.values[header] = ""
            yield row

    def position(self) -> int:
        return self._binary.tell()

    def close(self) -> None:
        self._text.close()


#: A repeat group's file: (path, column in the parent, column in this file, the group it is
#: nested in or None for the main file).
ChildFile = tuple[Path, str, str, str | None]


class CsvReader(Reader):
    """A CSV file, with child files for repeat groups (``children``: group →
    :data:`ChildFile`)."""

    def __init__(self, path: Path, *, format: str = "csv", encoding: str | None = None,
                 delimiter: str | None = None,
                 children: dict[str, ChildFile] | None = None) -> None:
        super().__init__(path)
        self.format = format
        self.main = CsvTable(path, encoding=encoding, delimiter=delimiter)
        self.encoding = self.main.encoding
        self.headers, self.notes = self.main.headers, list(self.main.notes)
        self.delimiter = self.main.delimiter
        self._tables: list[tuple[str, CsvTable, str, str, str | None]] = []
        try:
            for group, (child_path, parent_column, key_column, parent) in (
                    children or {}).items():
                table = CsvTable(child_path, encoding=encoding, table=group)
                self._tables.append((group, table, parent_column, key_column, parent))
                self.child_headers[group] = table.headers
            for group, table, parent_column, key_column, parent in self._tables:
                above = self.main if parent is None else next(
                    (t for g, t, *_ in self._tables if g == parent), None)
                if above is None:
                    raise ImportFileError(table.path.name, f"repeat group {group!r} is nested "
                                          f"in {parent!r}, which has no file")
                for column, source in ((parent_column, above), (key_column, table)):
                    if column not in source.headers:
                        raise ImportFileError(source.path.name, f"repeat group {group!r}: no "
                                              f"column {column!r} to join on")
        except BaseException:
            self.close()
            raise
        identities = IDENTITY_COLUMNS.get(format, ())
        self.identity_column = next((c for c in identities if c in self.headers), None)

    def rows(self) -> Iterator[Row]:
        rows = self._identified(self.main.rows())
        if not self._tables:
            return rows
        return attach_children(rows, [ChildTable(group, table.rows(), parent_column, key,
                                                 table.size, parent)
                                      for group, table, parent_column, key, parent
                                      in self._tables])

    def _identified(self, rows: Iterator[Row]) -> Iterator[Row]:
        column = self.identity_column
        for row in rows:
            if column:
                row.identity = row.values.get(column) or None
            yield row

    def position(self) -> tuple[int, int | None]:
        return self.main.position(), self.main.size

    def close(self) -> None:
        self.main.close()
        for _, table, *_ in self._tables:
            table.close()
