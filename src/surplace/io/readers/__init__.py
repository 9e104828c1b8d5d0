"""Readers: one module per file format, each yielding :class:`Row` objects lazily.

:func:`open_reader` picks the reader for a file (from ``format`` or from the file itself);
:func:`detect_format` says which format a file is: ``.xlsx`` is a workbook (a KoBoToolbox
export if it has ``_uuid``), ``.json`` a KoBoToolbox or ODK Central export, and a text file is
HXL if a row of hashtags follows its header, a KoBoToolbox CSV with ``_uuid``, an ODK Central CSV
with ``KEY`` and ``SubmissionDate``, else plain CSV.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import hxl.model  # type: ignore[import-untyped]

from surplace.io.readers.base import FORMATS, ImportFileError, Problem, Reader, Row
from surplace.io.readers.csv_reader import ChildFile, CsvReader, CsvTable, sniff_delimiter
from surplace.io.readers.encoding import detect_encoding
from surplace.io.readers.hxl_reader import HxlReader
from surplace.io.readers.json_reader import JsonReader
from surplace.io.readers.xlsform import XlsForm, read_xlsform
from surplace.io.readers.xlsx_reader import XlsxReader

__all__ = ["FORMATS", "ChildFile", "ImportFileError", "Problem", "Reader", "Row", "XlsForm",
           "detect_format",
           "find_child_files", "open_reader", "read_xlsform"]

_XLSX = (".xlsx", ".xlsm")


def _first_rows(path: Path, encoding: str | None, count: int = 26) -> list[list[str]]:
    enc = detect_encoding(path, encoding)
    with path.open("rb") as handle:
        text = handle.read(128 * 1024).decode(enc, errors="replace")
    lines = text.splitlines()[:count]
    delimiter = sniff_delimiter("\n".join(lines))
    return list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))


def detect_format(path: Path, *, encoding: str | None = None) -> str:
    if not path.is_file():
        raise ImportFileError(path, "no such file")
    suffix = path.suffix.casefold()
    if suffix in _XLSX:
        return "xlsx"
    if suffix == ".json":
        with path.open("rb") as handle:
            head = handle.read(64 * 1024)
        return "odk-json" if b'"__id"' in head or b'"__system"' in head else "kobo-json"
    rows = _first_rows(path, encoding)
    header = rows[0] if rows else []
    for previous, row in zip(rows, rows[1:], strict=False):
        if any(cell.strip().startswith("#") for cell in row) and \
                hxl.model.Column.parse_list(row, previous) is not None:
            return "hxl"
    if "_uuid" in header or "meta/instanceID" in header:
        return "kobo-csv"
    if "KEY" in header and ("SubmissionDate" in header or "meta-instanceID" in header):
        return "odk-csv"
    return "csv"


def find_child_files(path: Path, encoding: str | None = None) -> dict[str, ChildFile]:
    """ODK Central's repeat-group files beside a main CSV: ``STEM-GROUP.csv`` with
    ``PARENT_KEY`` and ``KEY`` columns → group → (path, "KEY", "PARENT_KEY", enclosing group).

    A group nested in another has ``PARENT_KEY`` values that end in the enclosing entry's
    place (``uuid:…/members[2]``): the enclosing group is the last step's name, when a file of
    that group is beside it; else the group hangs from the main file.
    """
    found: dict[str, tuple[Path, str | None]] = {}
    for candidate in sorted(path.parent.glob(f"{path.stem}-*.csv")):
        table = CsvTable(candidate, encoding=encoding)
        try:
            if {"PARENT_KEY", "KEY"} <= set(table.headers):
                first = next(table.rows(), None)
                key = first.values.get("PARENT_KEY", "") if first is not None else ""
                step = _NESTED_KEY.search(key)
                found[candidate.stem[len(path.stem) + 1:]] = (candidate,
                                                              step[1] if step else None)
        finally:
            table.close()
    return {group: (child, "KEY", "PARENT_KEY", parent if parent in found else None)
            for group, (child, parent) in found.items()}


_NESTED_KEY = re.compile(r"/([^/\[\]]+)\[\d+\]$")


def open_reader(path: Path, *, format: str | None = None, encoding: str | None = None,
                delimiter: str | None = None, sheet: str | None = None,
                children: dict[str, ChildFile] | None = None) -> Reader:
    """The reader for ``path``; ``children`` names child files of repeat groups (CSV)."""
    if format is not None and format not in FORMATS:
        raise ImportFileError(path, f"unknown format {format!r}; one of {', '.join(FORMATS)}")
    chosen = format or detect_format(path, encoding=encoding)
    if not path.is_file():
        raise ImportFileError(path, "no such file")
    if chosen in ("xlsx", "kobo-xlsx"):
        return XlsxReader(path, format=chosen, sheet=sheet)
    if chosen in ("kobo-json", "odk-json"):
        return JsonReader(path, format=chosen)
    if chosen == "hxl":
        return HxlReader(path, encoding=encoding)
    if chosen == "odk-csv" and children is None:
        children = find_child_files(path, encoding)
    return CsvReader(path, format=chosen, encoding=encoding, delimiter=delimiter,
                     children=children)
