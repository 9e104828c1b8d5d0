"""What every reader yields, and the errors that stop a file.

A reader turns a file into :class:`Row` objects one at a time, so a file of a million rows is
never held in memory. A problem confined to one row (a ragged row, a formula cell) travels with
the row as a :class:`Problem`, and the importer rejects that row with the reason; a problem
that makes the rest of the file unreadable (a wrong encoding, a zip bomb, broken JSON) raises
:class:`ImportFileError`, which names the file, the row and the column, never a value.
"""

from __future__ import annotations

import io
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from surplace.errors import InvalidInput

#: Formats the readers know. ``kobo-*`` and ``odk-*`` are those tools' exports (repeat groups,
#: submission identities); ``hxl`` is a CSV with a row of HXL hashtags under its header.
FORMATS = ("csv", "xlsx", "kobo-json", "kobo-csv", "kobo-xlsx", "odk-json", "odk-csv", "hxl")


class ImportFileError(InvalidInput):
    """The file cannot be read on; the message names the file and where, never a value."""

    def __init__(self, path: Path | str, reason: str, *, row: int | None = None,
                 column: str | None = None) -> None:
        where = [str(Path(path).name)]
        if row is not None:
            where.append(f"row {row}")
        if column:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {reason}")
        self.path, self.row, self.column, self.reason = str(path), row, column, reason


@dataclass(slots=True)
class Problem:
    """Why one cell or row cannot be imported; ``value`` goes to the rejects file only."""

    column: str
    reason: str
    value: str = ""


@dataclass(slots=True)
class Row:
    """One row as the user sees it: ``number`` is its row in the sheet or file (the header is
    row 1) or its position among the submissions (first is 1); ``identity`` is what the format
    says identifies it (a submission's ``_uuid``), if anything; ``children`` are the entries of
    its repeat groups by group name."""

    number: int
    values: dict[str, str]
    identity: str | None = None
    children: dict[str, list[Row]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    #: Where the row lives when not in the main table ("household_member" sheet or file), so
    #: the rejects file can point at it.
    table: str = ""


class Reader(ABC):
    """A file being read. Use as a context manager; iterate :meth:`rows` once."""

    format: str = "csv"
    #: False where rows may lack columns others have (JSON omits unanswered questions), so
    #: ``headers`` is not known before the rows are read.
    fixed_columns: bool = True

    def __init__(self, path: Path) -> None:
        self.path = path
        self.encoding: str | None = None
        self.headers: list[str] = []
        #: repeat group → its columns, where the format declares them before the rows
        self.child_headers: dict[str, list[str]] = {}
        self.notes: list[str] = []
        self._handles: list[io.IOBase | BinaryIO] = []

    @abstractmethod
    def rows(self) -> Iterator[Row]:
        """The rows in file order."""

    def position(self) -> tuple[int, int | None]:
        """(bytes read, bytes in all) where the format allows, else (rows read, None)."""
        return (0, None)

    def close(self) -> None:
        for handle in self._handles:
            handle.close()
        self._handles.clear()

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


def unique_headers(raw: list[str]) -> tuple[list[str], list[str]]:
    """Headers made unique and non-empty ("column 4", "Name (2)"), with a note for each
    change, so that no column's values are lost to a clash."""
    seen: dict[str, int] = {}
    out: list[str] = []
    notes: list[str] = []
    for index, header in enumerate(raw, start=1):
        name = (header or "").strip() or f"column {index}"
        if name != (header or "").strip():
            notes.append(f"column {index} has no header; it is called {name!r}")
        if name in seen:
            seen[name] += 1
            renamed = f"{name} ({seen[name]})"
            notes.append(f"column {index} repeats the header {name!r}; it is called {renamed!r}")
            name = renamed
        else:
            seen[name] = 1
        out.append(name)
    return out, notes
