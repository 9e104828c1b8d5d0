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
copy its fields); a repeat entry's own problem rejects only that entry, and the entries nested
in it (household → members → documents, to any depth).
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
_UNKNOWN_LONGEST = max(map(len, UNKNOWN))


def _as_extra(row: Row) -> dict[str, Any]:
    """An entry of a group the mapping leaves out, as its parent's extra keeps it."""
    if not row.children:
        return row.values
    return {**row.values, **{group: [_as_extra(child) for child in children]
                             for group, children in row.children.items()}}


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
        self._origins: dict[str, str | None] = {}
        self._provinces: dict[str, str | ValueProblem] = {}
        # column → (field or extra/ignore, its kind), per table: resolved once, not per cell.
        self._plans: dict[int, dict[str, tuple[str, str]]] = {}
        self._reference = mapping.age_reference
        self._today = date.today()
        # Lists repeat their dates (arrest dates, common birth dates): each text is read once.
        # (normalised, birth year, year) or the problem, by (kind, text, reference year)
        self._dates: dict[tuple[str, str, int | None],
                          tuple[str, int | None, int | None] | ValueProblem] = {}

    # --- cells ----------------------------------------------------------------------------

    def _province_of(self, text: str) -> str | None:
        """The ISO 3166-2 province of a place the gazetteer knows, else None (remembered:
        lists name the same few hundred places again and again)."""
        origins = self._origins
        if text not in origins:
            if len(origins) > _MEMO_LIMIT:
                origins.clear()
            origins[text] = self._places.province(text)
        return origins[text]

    def _plan(self, columns: dict[str, str]) -> dict[str, tuple[str, str]]:
        plan = self._plans.get(id(columns))
        if plan is None:
            plan = {column: (target, FIELDS[target].kind if target in FIELDS else target)
                    for column, target in columns.items()}
            self._plans[id(columns)] = plan
        return plan

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
                read = parse_date(text, order=self.mapping.date_order, ages=kind == "birth",
                                  reference_year=reference, today=self._today)
                when = (read.normalised(), read.birth_year, read.year)
            except ValueProblem as problem:
                when = problem
            if len(self._dates) > _MEMO_LIMIT:
                self._dates.clear()
            self._dates[key] = when
        if isinstance(when, ValueProblem):
            raise when
        out[name] = when[0]
        if name == "birth":
            clear["birth_year"] = when[1]
        elif name == "event_date":
            clear["event_year"] = when[2]

    def _fields(self, values: dict[str, str], columns: dict[str, str], problems: list[Problem],
                payload: dict[str, Any], clear: dict[str, Any],
                parent: dict[str, str] | None = None) -> None:
        """Fill payload and clear columns from one table's values; problems collected.
        ``parent``: the parent row's values, where a repeat entry finds its age reference."""
        written: dict[str, str] = {}
        extra: dict[str, Any] = {}
        folded: dict[str, list[str]] = {}
        limit = self.mapping.max_field_chars
        plan = self._plan(columns)
        unmapped = (self.mapping.unmapped, self.mapping.unmapped)
        split = self.split
        for column, raw in values.items():
            # check_text's rules, without its regular expression for the usual printable cell
            if raw.isprintable() and len(raw) <= limit and "\ufffd" not in raw:
                text = raw.strip()
            else:
                try:
                    text = check_text(raw, limit=limit)
                except ValueProblem as problem:
                    problems.append(Problem(column, problem.reason, raw))
                    continue
            if split and column in split:
                if text.casefold() in _FLAG_TRUE:
                    folded.setdefault(split[column], []).append(column.rsplit("/", 1)[-1])
                continue
            target, kind = plan.get(column, unmapped)
            if kind == IGNORE or not text or (len(text) <= _UNKNOWN_LONGEST
                                              and text.casefold() in UNKNOWN):
                continue
            if kind == EXTRA:
                extra[column] = text
                continue
            if kind == "text" or (kind == "place" and target != "origin"):
                payload[target] = text  # as written: nothing for as_written
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
        self._unmapped(row, payload)
        if problems:
            self._reject(result, label, problems)
            self._reject_below(result, label, None, row.children)
            return result
        if self.mapping.parent_record:
            result.records.append(self._record(identity, payload, clear))
            result.unresolved_origins += bool(clear.get("_unresolved"))
        self._below(result, label, identity, None, row.children, payload, clear, row.values)
        return result

    def _unmapped(self, row: Row, payload: dict[str, Any]) -> None:
        """The row's repeat groups the mapping leaves out, kept in its extra (with whatever is
        nested in them), not dropped."""
        for group, children in row.children.items():
            if group not in self.mapping.repeats:
                payload.setdefault("extra", {})[group] = [_as_extra(child) for child in children]

    @staticmethod
    def _step(group: str, parent_group: str | None) -> str:
        """A nested group's name below its parent's (KoBoToolbox's keys repeat the path)."""
        if parent_group is not None and group.startswith(parent_group + "/"):
            return group[len(parent_group) + 1:]
        return group

    def _below(self, result: Converted, where: str, source_row: str | None,
               parent_group: str | None, groups: dict[str, list[Row]], parent: dict[str, Any],
               parent_clear: dict[str, Any], values: dict[str, str]) -> None:
        """The records of the mapped repeat groups of one row or entry, and of the groups
        nested in their entries, to any depth. ``where`` and ``source_row`` say where the
        entry is: "3 household/member[2]/document[1]" in the rejects file (row 3, its second
        member's first document), "<identity>/household/member[2]/document[1]" as the
        record's source row. ``values`` are the main row's, where an age finds its
        reference."""
        for group, children in groups.items():
            repeat = self.mapping.repeats.get(group)
            if repeat is None:
                continue  # kept in the parent's extra
            step = self._step(group, parent_group)
            for index, child in enumerate(children, start=1):
                here = (f"{where} {step}[{index}]" if parent_group is None
                        else f"{where}/{step}[{index}]")
                problems = list(child.problems)
                payload = {name: parent[name] for name in repeat.copy_fields if name in parent}
                clear = {key: parent_clear[key] for key in self._copied_clear(repeat)
                         if key in parent_clear
                         and not (key in ("origin_province", "_unresolved")
                                  and "origin" in repeat.columns.values())}
                self._fields(child.values, repeat.columns, problems, payload, clear,
                             parent=values)
                self._unmapped(child, payload)
                row_id = None if source_row is None else f"{source_row}/{step}[{index}]"
                if row_id is not None and len(row_id) > SOURCE_ROW_LIMIT:
                    problems.append(Problem(
                        "", f"the identity is longer than {SOURCE_ROW_LIMIT} characters"))
                if problems:
                    self._reject(result, here, problems)
                    self._reject_below(result, here, group, child.children)
                    continue
                result.records.append(self._record(row_id, payload, clear))
                result.unresolved_origins += bool(clear.get("_unresolved"))
                self._below(result, here, row_id, group, child.children, payload, clear,
                            values)

    def _reject_below(self, result: Converted, where: str, parent_group: str | None,
                      groups: dict[str, list[Row]]) -> None:
        """The entries of mapped groups below a rejected row or entry: rejected with it."""
        for group, children in groups.items():
            if group not in self.mapping.repeats:
                continue
            step = self._step(group, parent_group)
            for index, child in enumerate(children, start=1):
                here = (f"{where} {step}[{index}]" if parent_group is None
                        else f"{where}/{step}[{index}]")
                result.rejects.append(Reject(here, "", "", "its parent row was rejected"))
                result.rejected += 1
                self._reject_below(result, here, group, child.children)

    @staticmethod
    def _copied_clear(repeat: RepeatMapping) -> list[str]:
        keys = []
        if "origin" in repeat.copy_fields or "origin_province" in repeat.copy_fields:
            keys += ["origin_province", "_unresolved"]
        if "event_date" in repeat.copy_fields:
            keys.append("event_year")
        if "sex" in repeat.copy_fields:
            keys.append("sex")
        if "birth" in repeat.copy_fields:
            keys.append("birth_year")
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
