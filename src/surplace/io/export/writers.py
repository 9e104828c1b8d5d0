"""Writing rows as CSV, HXL-tagged CSV, one JSON document or JSON Lines, a row at a time.

Rows arrive from generators and leave one by one: no format holds a table in memory (the JSON
document is written piece by piece around its ``rows`` array, not built and dumped).

**CSV injection.** A spreadsheet treats a cell beginning with ``=``, ``+``, ``-`` or ``@`` as a
formula (and tab or carriage return as the start of one after its own trimming), so a partner
opening an export could run whatever a hostile source put in a name. Every text cell of a CSV or
HXL file that starts with one of those characters is written with a leading ``'``, which
spreadsheets show as text (OWASP's advice). Numbers stay numbers: only text is touched. JSON is
not read by spreadsheets and is written as it is.

The file is written under a temporary name beside the target (readable by its owner only) and
moved into place only once the export is complete and audited: a failed export leaves no partial
file, and an existing file is replaced only when asked (:class:`Output`).
"""

from __future__ import annotations

import contextlib
import csv
import errno
import hashlib
import json
import os
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from surplace.io.export.exceptions import OutputProblem
from surplace.io.export.schemas import Format

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: How a list is written in one CSV cell.
LIST_SEPARATOR = " | "


def neutralise(text: str) -> str:
    """``=1+1`` → ``'=1+1``: a cell a spreadsheet would evaluate is made plain text."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _text(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(_text(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def csv_cell(value: Any) -> str:
    """One value as the text of a CSV cell (empty for none), neutralised if it is text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return neutralise(_text(value))


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return sorted(value)
    raise TypeError(f"cannot write a {type(value).__name__} as JSON")


def _json(value: Any, *, indent: int | None = None) -> str:
    return json.dumps(value, ensure_ascii=False, default=_json_default, indent=indent)


def write_rows(stream: IO[str], rows: Iterable[Mapping[str, Any]], *, fmt: Format,
               columns: Sequence[str], tags: Sequence[str] | None = None,
               header: Mapping[str, Any] | None = None) -> int:
    """Write ``rows`` (only ``columns``, in that order) to ``stream``; returns how many.

    ``tags`` is the HXL tag row (required for :attr:`Format.hxl`); ``header`` describes the
    export at the top of a JSON document (kind, redaction, filters …) and is ignored by the
    other formats, whose readers expect rows only.
    """
    count = 0
    if fmt in (Format.csv, Format.hxl):
        writer = csv.writer(stream)
        writer.writerow(columns)
        if fmt is Format.hxl:
            if tags is None or len(tags) != len(columns):
                raise ValueError("an HXL export needs one tag per column")
            writer.writerow(tags)
        for row in rows:
            writer.writerow([csv_cell(row.get(column)) for column in columns])
            count += 1
    elif fmt is Format.jsonl:
        for row in rows:
            stream.write(_json({column: row.get(column) for column in columns}) + "\n")
            count += 1
    else:
        stream.write("{\n")
        for key, value in (header or {}).items():
            stream.write(f"  {_json(key)}: {_json(value)},\n")
        stream.write(f'  "columns": {_json(list(columns))},\n  "rows": [')
        for row in rows:
            stream.write(",\n    " if count else "\n    ")
            stream.write(_json({column: row.get(column) for column in columns}))
            count += 1
        stream.write("\n  ]\n}\n" if count else "]\n}\n")
    return count


class Output:
    """The output file of one export: checked before any work, written under a temporary name,
    moved into place by :meth:`place`, removed by :meth:`discard` if anything fails.

    Messages do not repeat the file's name: a user may name an export after its content.
    """

    def __init__(self, path: Path, *, force: bool = False, bom: bool = False) -> None:
        self.path = path
        self.force = force
        self.encoding = "utf-8-sig" if bom else "utf-8"
        self.check()
        self._temp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.part")
        self.stream: IO[str] | None = None

    def check(self) -> None:
        if not self.path.parent.is_dir():
            raise OutputProblem("--out: the folder to write the export in does not exist.")
        if self.path.is_dir():
            raise OutputProblem("--out: names a folder; give a file name.")
        if self.path.exists() and not self.force:
            raise OutputProblem("--out: the file already exists; give --force to replace it.")

    def open(self) -> IO[str]:
        try:
            descriptor = os.open(self._temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as error:
            raise OutputProblem(f"--out: cannot write in that folder ({error.strerror}).") \
                from None
        self.stream = open(descriptor, "w", encoding=self.encoding, newline="")  # noqa: SIM115
        return self.stream

    def close(self) -> str:
        """Flush the temporary file to disk and return its SHA-256 (hex)."""
        assert self.stream is not None
        self.stream.flush()
        os.fsync(self.stream.fileno())
        self.stream.close()
        digest = hashlib.sha256()
        with self._temp.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()

    def place(self) -> None:
        """Move the finished file to its name; without ``force`` never over another file,
        even one created while the export ran."""
        try:
            if self.force:
                os.replace(self._temp, self.path)
                return
            try:
                os.link(self._temp, self.path)
            except FileExistsError:
                raise OutputProblem(
                    "--out: the file appeared while exporting; give --force to replace it."
                ) from None
            except OSError as error:
                if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
                    raise
                # A file system without hard links: the check and the move are two steps.
                self.check()
                os.replace(self._temp, self.path)
                return
            self._temp.unlink()
        except OSError as error:
            self.discard()
            raise OutputProblem(f"--out: cannot write the file ({error.strerror}).") from None

    def discard(self) -> None:
        if self.stream is not None and not self.stream.closed:
            with contextlib.suppress(OSError):
                self.stream.close()
        with contextlib.suppress(FileNotFoundError):
            self._temp.unlink()
