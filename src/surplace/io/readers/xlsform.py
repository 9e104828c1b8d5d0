"""XLSForm: the spreadsheet that describes a KoBoToolbox or ODK form.

Read for what an import needs to know: each question's name, type and label, the group path it
sits in (``household/member/name``), which repeat group holds it, and each select list's
choices. This reads the ``survey`` and ``choices`` sheets with openpyxl (after the same
zip-bomb check as any workbook) instead of pyxform, which is not among the project's
dependencies and would compile the whole form to XForm XML to answer these few questions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped]

from surplace.io.readers.base import ImportFileError
from surplace.io.readers.xlsx_reader import cell_text, check_archive

MAX_FORM_ROWS = 20_000


@dataclass(frozen=True)
class Question:
    name: str
    type: str  # the base type: text, integer, date, select_one, select_multiple, …
    list_name: str | None
    label: str
    path: str  # group path and name joined by "/"
    repeat: str | None  # the path of the innermost repeat group holding it, if any


@dataclass
class XlsForm:
    questions: list[Question] = field(default_factory=list)
    choices: dict[str, dict[str, str]] = field(default_factory=dict)
    repeats: list[str] = field(default_factory=list)
    form_id: str | None = None

    def question(self, column: str) -> Question | None:
        """The question a column holds: by full path (KoBoToolbox), path with ``-`` (ODK
        Central CSV) or bare name (last part), in that order."""
        for question in self.questions:
            if column in (question.path, question.path.replace("/", "-")):
                return question
        last = column.replace("-", "/").rsplit("/", 1)[-1]
        named = [q for q in self.questions if q.name == last]
        return named[0] if len(named) == 1 else None


def _label_column(header: list[str]) -> int | None:
    for index, name in enumerate(header):
        if name.casefold() == "label":
            return index
    for index, name in enumerate(header):
        if name.casefold().startswith("label"):
            return index
    return None


def _sheet(book: Any, name: str, path: Path) -> list[dict[str, str]]:
    if name not in book.sheetnames:
        if name == "choices":
            return []
        raise ImportFileError(path, f"not an XLSForm: it has no {name!r} sheet")
    rows = book[name].iter_rows(values_only=True)
    header = [cell_text(v).strip() for v in next(rows, ())]
    label = _label_column(header)
    out = []
    for number, values in enumerate(rows, start=2):
        if number > MAX_FORM_ROWS:
            raise ImportFileError(path, f"the {name!r} sheet has more than {MAX_FORM_ROWS:,} "
                                  "rows; not a form")
        cells = [cell_text(v).strip() for v in values]
        entry = {header[i]: cells[i] for i in range(min(len(header), len(cells))) if header[i]}
        if label is not None and label < len(cells):
            entry["label"] = cells[label]
        if any(entry.values()):
            out.append(entry)
    return out


def read_xlsform(path: Path) -> XlsForm:
    check_archive(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - openpyxl raises many kinds
        raise ImportFileError(path, f"cannot open the XLSForm ({type(error).__name__})") from None
    try:
        survey = _sheet(book, "survey", path)
        choices = _sheet(book, "choices", path)
        settings = _sheet(book, "settings", path) if "settings" in book.sheetnames else []
    finally:
        book.close()
    form = XlsForm(form_id=(settings[0].get("form_id") if settings else None) or None)
    for entry in choices:
        list_name = entry.get("list_name") or entry.get("list name") or ""
        if list_name and entry.get("name"):
            form.choices.setdefault(list_name, {})[entry["name"]] = entry.get("label", "")
    groups: list[tuple[str, bool]] = []  # (name, is_repeat)
    for entry in survey:
        kind = " ".join(entry.get("type", "").replace("_", " ").split()).casefold()
        name = entry.get("name", "")
        if kind in ("begin group", "begin repeat"):
            groups.append((name, kind == "begin repeat"))
            if kind == "begin repeat":
                form.repeats.append("/".join(g for g, _ in groups))
            continue
        if kind in ("end group", "end repeat"):
            if groups:
                groups.pop()
            continue
        if not name:
            continue
        base, _, rest = entry.get("type", "").strip().partition(" ")
        repeat_at = max((i for i, (_, r) in enumerate(groups) if r), default=None)
        repeat = None if repeat_at is None else "/".join(g for g, _ in groups[:repeat_at + 1])
        form.questions.append(Question(
            name=name, type=base.strip(), list_name=rest.strip() or None,
            label=entry.get("label", ""), path="/".join([*(g for g, _ in groups), name]),
            repeat=repeat))
    return form
