"""One row of a file → the records it holds, or the reasons it cannot be imported.

The payload follows the contract linkage reads (:mod:`surplace.linkage.store`): the mapped
fields under their names, normalised (sex as its term, dates as ISO partial dates, ages as
"age 42 in 2023"), ``as_written`` with the original text of every field whose normalised form
differs, and ``extra`` with the raw values of the columns the mapping does not name. The clear
statistical columns are derived: sex, birth year (not from an age, which spans two years),
origin province (the mapped province column, else the origin resolved through the gazetteer:
an origin the gazetteer does not know is kept as written and counted, not rejected), event
year.

A row is all or nothing: any problem in it rejects it whole (and its repeat entries, which
copy its fields); a repeat entry's own problem rejects only that entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from surplace.errors import InvalidInput
from surplace.io.fields import EXTRA, FIELDS, IGNORE
from surplace.io.mapping import Mapping, RepeatMapping
from surplace.io.readers.base import Problem, Row
from surplace.io.values import (
    UNKNOWN,
    PartialDate,
    ValueProblem,
    check_text,
    is_blank,
    parse_date,
    sex_vocabulary,
)
from surplace.records.gazetteer import resolve_place
from surplace.records.intake import ProvinceIndex, RecordIn

_MEMO_LIMIT = 100_000
SOURCE_ROW_LIMIT = 128  # Record.source_row is String(128)
_FLAG_TRUE = {"1", "true", "yes"}


@dataclass(slots=True)
class Reject:
    """One line of the rejects file: where, which column, the value as given, and why."""

    row: str
    column: str
    value: str
    reason: str


@dataclass
class Converted:
    records: list[RecordIn] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    rejected: int = 0  # records refused (a row, or a repeat entry)
    blank: bool = False
    unresolved_origins: int = 0


class Converter:
    """Applies one mapping to rows; caches gazetteer look-ups and vocabulary terms."""

    def __init__(self, session: Session, mapping: Mapping, *,
                 identity_column: str | None = None) -> None:
        self.session = session
        self.mapping = mapping
        self.identity_column = mapping.identity or identity_column
        self.sex = sex_vocabulary()
        self.split = {column: base for base, columns in mapping.select_multiple.items()
                      for column in columns}
        self._places = ProvinceIndex(session)
        self._provinces: dict[str, str | ValueProblem] = {}
        self._reference = mapping.age_reference
        self._today = date.today()
        # Lists repeat their dates (arrest dates, common birth dates): each text is read once.
        self._dates: dict[tuple[str, str, int | None], PartialDate | ValueProblem] = {}

    # --- cells ----------------------------------------------------------------------------

    def _province_of(self, text: str) -> str | None:
        """The ISO 3166-2 province of a place the gazetteer knows, else None."""
        return self._places.province(text)

    def _province(self, text: str) -> str:
        if text not in self._provinces:
            try:
                place = resolve_place(self.session, text)
                self._provinces[text] = place.iso_3166_2 or ValueProblem(
                    "the place is not in a province")
            except InvalidInput as error:
                hint = str(error).partition("; did you mean")[2]
                self._provinces[text] = ValueProblem(
                    "not a province in the gazetteer" + (f"; did you mean{hint}" if hint
                                                         else ""))
        found = self._provinces[text]
        if isinstance(found, ValueProblem):
            raise found
        return found

    def _reference_year(self, values: dict[str, str]) -> int | None:
        reference = self._reference
        if reference is None or isinstance(reference, int):
            return reference
        text = values.get(reference, "")
        if is_blank(text):
            return None
        try:
            return parse_date(text, order=self.mapping.date_order).year
        except ValueProblem:
            return None

    def _field(self, name: str, text: str, values: dict[str, str],
               out: dict[str, Any], clear: dict[str, Any]) -> None:
        kind = FIELDS[name].kind
        if kind in ("text", "place"):
            out[name] = text
            if name == "origin" and "origin_province" not in clear:
                clear["origin_province"] = self._province_of(text)
                clear["_unresolved"] = clear["origin_province"] is None
            return
        if kind == "sex":
            term = self.sex.term(text, self.mapping.values.get("sex"))
            out[name] = clear["sex"] = term
            return
        if kind == "province":
            code = self._province(text)
            out[name] = code
            if name == "origin_province":
                clear["origin_province"] = code
                clear["_unresolved"] = False
            return
        reference = self._reference_year(values) if kind == "birth" else None
        key = (kind, text, reference)
        when = self._dates.get(key)
        if when is None:
            try:
                when = parse_date(text, order=self.mapping.date_order, ages=kind == "birth",
                                  reference_year=reference, today=self._today)
            except ValueProblem as problem:
                when = problem
            if len(self._dates) > _MEMO_LIMIT:
                self._dates.clear()
            self._dates[key] = when
        if isinstance(when, ValueProblem):
            raise when
        out[name] = when.normalised()
        if name == "birth":
            clear["birth_year"] = when.birth_year
        elif name == "event_date":
            clear["event_year"] = when.year

    def _fields(self, values: dict[str, str], columns: dict[str, str], problems: list[Problem],
                payload: dict[str, Any], clear: dict[str, Any],
                parent: dict[str, str] | None = None) -> None:
        """Fill payload and clear columns from one table's values; problems collected.
        ``parent``: the parent row's values, where a repeat entry finds its age reference."""
        written: dict[str, str] = {}
        extra: dict[str, Any] = {}
        folded: dict[str, list[str]] = {}
        limit = self.mapping.max_field_chars
        for column, raw in values.items():
            try:
                text = check_text(raw, limit=limit)
            except ValueProblem as problem:
                problems.append(Problem(column, problem.reason, raw))
                continue
            if column in self.split:
                if text.casefold() in _FLAG_TRUE:
                    folded.setdefault(self.split[column], []).append(
                        column.rsplit("/", 1)[-1])
                continue
            target = columns.get(column, self.mapping.unmapped)
            if target == IGNORE or not text or text.casefold() in UNKNOWN:
                continue
            if target == EXTRA:
                extra[column] = text
                continue
            try:
                self._field(target, text, values if parent is None else parent, payload,
                            clear)
            except ValueProblem as problem:
                problems.append(Problem(column, problem.reason, raw))
                continue
            if payload.get(target) != text:
                written[target] = text
        for base, choices in folded.items():
            if is_blank(values.get(base)):
                extra[base] = " ".join(choices)
        if written:
            payload["as_written"] = written
        if extra:
            payload.setdefault("extra", {}).update(extra)

    # --- rows -----------------------------------------------------------------------------

    def convert(self, row: Row) -> Converted:
        result = Converted()
        label = f"{row.table}:{row.number}" if row.table else str(row.number)
        if row.table:  # a repeat row whose parent never came (see readers.children)
            self._reject(result, label, row.problems)
            return result
        if not row.children and all(is_blank(v) for v in row.values.values()):
            result.blank = True
            return result
        problems = list(row.problems)
        identity = self._identity(row, problems)
        payload: dict[str, Any] = {}
        clear: dict[str, Any] = {}
        self._fields(row.values, self.mapping.columns, problems, payload, clear)
        unmapped_groups = {g: c for g, c in row.children.items() if g not in self.mapping.repeats}
        for group, children in unmapped_groups.items():
            payload.setdefault("extra", {})[group] = [child.values for child in children]
        if problems:
            self._reject(result, label, problems)
            for group, children in row.children.items():
                if group in self.mapping.repeats:
                    for index, _ in enumerate(children, start=1):
                        result.rejects.append(Reject(f"{label} {group}[{index}]", "", "",
                                                     "its parent row was rejected"))
                        result.rejected += 1
            return result
        if self.mapping.parent_record:
            result.records.append(self._record(identity, payload, clear))
            result.unresolved_origins += bool(clear.get("_unresolved"))
        for group, children in row.children.items():
            repeat = self.mapping.repeats.get(group)
            if repeat is not None:
                self._children(result, label, identity, group, children, repeat, payload,
                               clear, row.values)
        return result

    def _children(self, result: Converted, label: str, identity: str | None, group: str,
                  children: list[Row], repeat: RepeatMapping, parent: dict[str, Any],
                  parent_clear: dict[str, Any], parent_values: dict[str, str]) -> None:
        for index, child in enumerate(children, start=1):
            where = f"{label} {group}[{index}]"
            problems = list(child.problems)
            payload = {name: parent[name] for name in repeat.copy_fields if name in parent}
            clear = {key: parent_clear[key] for key in self._copied_clear(repeat)
                     if key in parent_clear and not (key in ("origin_province", "_unresolved")
                                                     and "origin" in repeat.columns.values())}
            self._fields(child.values, repeat.columns, problems, payload, clear,
                         parent=parent_values)
            if problems:
                self._reject(result, where, problems)
                continue
            source_row = None if identity is None else f"{identity}/{group}[{index}]"
            if source_row is not None and len(source_row) > SOURCE_ROW_LIMIT:
                self._reject(result, where, [Problem(
                    "", f"the identity is longer than {SOURCE_ROW_LIMIT} characters")])
                continue
            result.records.append(self._record(source_row, payload, clear))
            result.unresolved_origins += bool(clear.get("_unresolved"))

    @staticmethod
    def _copied_clear(repeat: RepeatMapping) -> list[str]:
        keys = []
        if "origin" in repeat.copy_fields or "origin_province" in repeat.copy_fields:
            keys += ["origin_province", "_unresolved"]
        if "event_date" in repeat.copy_fields:
            keys.append("event_year")
        return keys

    def _identity(self, row: Row, problems: list[Problem]) -> str | None:
        column = self.identity_column
        value = row.values.get(column, "") if column else (row.identity or "")
        value = value.strip()
        if not value:
            return None
        if len(value) > SOURCE_ROW_LIMIT:
            problems.append(Problem(column or "identity", "the identity is longer than "
                                    f"{SOURCE_ROW_LIMIT} characters", value))
            return None
        return value

    @staticmethod
    def _record(source_row: str | None, payload: dict[str, Any],
                clear: dict[str, Any]) -> RecordIn:
        return RecordIn(source_row=source_row, payload=payload, sex=clear.get("sex"),
                        birth_year=clear.get("birth_year"),
                        origin_province=clear.get("origin_province"),
                        event_year=clear.get("event_year"))

    @staticmethod
    def _reject(result: Converted, label: str, problems: list[Problem]) -> None:
        result.rejected += 1
        for problem in problems:
            result.rejects.append(Reject(label, problem.column, problem.value, problem.reason))
