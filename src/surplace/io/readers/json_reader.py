"""KoBoToolbox and ODK Central JSON exports, read one submission at a time.

Accepted shapes: a bare array of submissions; KoBoToolbox's API page ``{"count": …, "results":
[…]}``; ODK Central's OData ``{"value": […]}``. The array is walked with
``json.JSONDecoder.raw_decode`` over a sliding buffer, so a file of a million submissions is
never parsed whole; this is hand-written because no streaming JSON parser (ijson) is among the
project's dependencies, and the two shapes need only this much.

A submission becomes one :class:`Row`: nested objects (ODK groups, ``__system``) are flattened
to ``group/question`` columns (KoBoToolbox's keys already carry their group path); a list of
objects is a repeat group, whose entries become the row's children, and a repeat group inside
an entry (household → members → documents) the entry's children, to any depth; any other list
(``_tags``, ``_geolocation``) is kept as text. The identity is ``_uuid`` (KoBoToolbox) or
``__id`` (ODK).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from surplace.io.readers.base import ImportFileError, Reader, Row

ARRAY_KEYS = ("results", "value", "data", "submissions")
#: One submission may be at most this large (characters) before the file is refused.
MAX_SUBMISSION_CHARS = 64 * 1024 * 1024
_CHUNK = 256 * 1024
_WHITESPACE = " \t\r\n"


def scalar_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def flatten(submission: dict[str, Any], prefix: str = "") -> tuple[dict[str, str],
                                                                    dict[str, list[Any]]]:
    """(column → text, repeat group → entries) of one submission or repeat entry."""
    values: dict[str, str] = {}
    repeats: dict[str, list[Any]] = {}
    inside = prefix + "/"
    for key, value in submission.items():
        column = f"{inside}{key}" if prefix and not key.startswith(inside) else key
        if value.__class__ is str:  # most answers: checked first, as the others cost more
            values[column] = value
        elif isinstance(value, dict):
            inner, nested = flatten(value, column)
            values.update(inner)
            repeats.update(nested)
        elif (isinstance(value, list) and value and not key.startswith("_")
              and all(isinstance(item, dict) for item in value)):
            repeats[column] = value
        elif isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
            values[column] = " ".join(scalar_text(v) for v in value)
        else:
            values[column] = scalar_text(value)
    return values, repeats


def _entries(group: str, entries: list[Any]) -> list[Row]:
    """A repeat group's entries as rows (numbered from 1 within their parent), each with the
    groups nested in it as its own children."""
    rows = []
    for index, entry in enumerate(entries, start=1):
        values, nested = flatten(entry)
        row = Row(index, values, table=group)
        row.children = {name: _entries(name, inner) for name, inner in nested.items()}
        rows.append(row)
    return rows


class _Stream:
    """The items of a JSON array inside a text stream, decoded one at a time."""

    def __init__(self, path: Path, text: io.TextIOBase) -> None:
        self.path, self.text = path, text
        self.buffer, self.pos, self.eof = "", 0, False
        self.decoder = json.JSONDecoder()
        self.count: int | None = None
        self.item = 0

    def _fill(self) -> bool:
        if self.eof:
            return False
        try:
            chunk = self.text.read(_CHUNK)
        except UnicodeDecodeError:
            raise ImportFileError(self.path, "the JSON is not valid UTF-8",
                                  row=self.item + 1) from None
        if not chunk:
            self.eof = True
            return False
        if self.pos > _CHUNK:
            self.buffer, self.pos = self.buffer[self.pos:], 0
        self.buffer += chunk
        return True

    def _peek(self) -> str:
        while True:
            while self.pos < len(self.buffer) and self.buffer[self.pos] in _WHITESPACE:
                self.pos += 1
            if self.pos < len(self.buffer):
                return self.buffer[self.pos]
            if not self._fill():
                return ""

    def _value(self) -> Any:
        self._peek()
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buffer, self.pos)
            except json.JSONDecodeError as error:
                if len(self.buffer) - self.pos > MAX_SUBMISSION_CHARS:
                    raise self._broken(f"one item is larger than {MAX_SUBMISSION_CHARS:,} "
                                       "characters") from None
                if self._fill():
                    continue
                raise self._broken(error.msg) from None
            # A number or literal at the very end of the buffer may continue in the next chunk.
            if end >= len(self.buffer) and not isinstance(value, dict | list | str) \
                    and self._fill():
                continue
            self.pos = end
            return value

    def _broken(self, reason: str) -> ImportFileError:
        return ImportFileError(self.path, f"the JSON is broken ({reason})", row=self.item + 1)

    def _expect(self, char: str) -> None:
        if self._peek() != char:
            raise self._broken(f"expected {char!r}")
        self.pos += 1

    def items(self) -> Iterator[Any]:
        first = self._peek()
        if first == "{":
            self.pos += 1
            while True:
                if self._peek() == "}":
                    raise ImportFileError(self.path, "the JSON object holds no list of "
                                          f"submissions (under {', '.join(ARRAY_KEYS)})")
                key = self._value()
                self._expect(":")
                if key in ARRAY_KEYS and self._peek() == "[":
                    break
                value = self._value()
                if key == "count" and isinstance(value, int):
                    self.count = value
                if self._peek() == ",":
                    self.pos += 1
        elif first != "[":
            raise ImportFileError(self.path, "not a JSON export (it starts with neither [ nor {)")
        self.pos += 1
        if self._peek() == "]":
            return
        while True:
            self.item += 1
            yield self._value()
            following = self._peek()
            if following == "]":
                return
            if following != ",":
                raise self._broken("expected ',' or ']' after an item")
            self.pos += 1


class JsonReader(Reader):
    fixed_columns = False

    def __init__(self, path: Path, *, format: str | None = None) -> None:
        super().__init__(path)
        self.encoding = "utf-8"
        self._binary = path.open("rb")
        self._text = io.TextIOWrapper(self._binary, encoding="utf-8-sig", errors="strict")
        self._stream = _Stream(path, self._text)
        self.size = path.stat().st_size
        self._items = self._stream.items()
        self._first: Any = None
        try:
            self._first = next(self._items, None)
        except BaseException:
            self.close()
            raise
        odk = isinstance(self._first, dict) and ("__id" in self._first
                                                 or "__system" in self._first)
        self.format = format or ("odk-json" if odk else "kobo-json")
        self.identity_column = "__id" if self.format.startswith("odk") else "_uuid"

    def rows(self) -> Iterator[Row]:
        number = 0
        item = self._first
        while item is not None:
            number += 1
            if not isinstance(item, dict):
                raise ImportFileError(self.path, "a submission is not a JSON object",
                                      row=number)
            yield self._row(number, item)
            item = next(self._items, None)

    def _row(self, number: int, item: dict[str, Any]) -> Row:
        values, repeats = flatten(item)
        identity = values.get(self.identity_column) or values.get("meta/instanceID") or None
        row = Row(number, values, identity=identity)
        row.children = {group: _entries(group, entries) for group, entries in repeats.items()}
        return row

    def position(self) -> tuple[int, int | None]:
        return self._binary.tell(), self.size

    def close(self) -> None:
        self._text.close()
