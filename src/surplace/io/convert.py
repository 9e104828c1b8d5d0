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

Each table (the main one, each repeat group) has a plan made once: which columns are kept as
written, which are read (:mod:`surplace.io.cells`, each distinct text once), which are left
out. A row goes first through the *fast path*: its cells checked together (one test of the
joined text for control characters and size), blanks dropped in one comprehension, the few
mapped fields read, the rest kept as extra. Anything it does not handle (a control character, an
over-long cell, a value refused, select-multiple columns) sends the row to the *general path*,
cell by cell, which finds every problem in column order for the rejects file. Both give the same
records for a row the fast path accepts (tests/io/test_convert_paths.py). An age's reference
date (a submission's time) is read once per row, not once per age cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from surplace.io.cells import CellReader
from surplace.io.fields import EXTRA, FIELDS, IGNORE
from surplace.io.mapping import Mapping, RepeatMapping
from surplace.io.readers.base import Problem, Row
from surplace.io.values import UNKNOWN, ValueProblem, check_text, is_blank
from surplace.records.intake import RecordIn

SOURCE_ROW_LIMIT = 128  # Record.source_row is String(128)
_FLAG_TRUE = {"1", "true", "yes"}
_UNKNOWN_LONGEST = max(map(len, UNKNOWN))
_KEPT_AS_WRITTEN = ("text", "place")


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


@dataclass(frozen=True, slots=True)
class _Plan:
    """One table's columns, sorted once for both paths."""

    #: column → (field, extra or ignore; its kind): the general path's look-up
    kinds: dict[str, tuple[str, str]]
    #: (column, field) kept as written: text fields, places other than origin
    texts: tuple[tuple[str, str], ...]
    #: (column, field, kind) read by the cell reader; origin before origin_province, as the
    #: general path's outcome does not depend on their order and this one's would
    derived: tuple[tuple[str, str, str], ...]
    #: columns mapped to ignore
    dropped: tuple[str, ...]
    #: the columns kept in extra when the mapping ignores unmapped ones; None: every other one
    extras: frozenset[str] | None


def _make_plan(columns: dict[str, str], unmapped: str) -> _Plan:
    kinds = {column: (target, FIELDS[target].kind if target in FIELDS else target)
             for column, target in columns.items()}
    texts = tuple((column, target) for column, (target, kind) in kinds.items()
                  if kind == "text" or (kind == "place" and target != "origin"))
    derived = sorted(((column, target, kind) for column, (target, kind) in kinds.items()
                      if target in FIELDS and (column, target) not in texts),
                     key=lambda item: item[1] == "origin_province")
    return _Plan(kinds=kinds, texts=texts, derived=tuple(derived),
                 dropped=tuple(c for c, (_, kind) in kinds.items() if kind == IGNORE),
                 extras=None if unmapped == EXTRA else frozenset(
                     c for c, (_, kind) in kinds.items() if kind == EXTRA))


class Converter:
    """Applies one mapping to rows (see the module docstring). ``fast=False`` sends every row
    down the general path (for the tests that compare the two)."""

    def __init__(self, session: Session, mapping: Mapping, *,
                 identity_column: str | None = None, fast: bool = True) -> None:
        self.session = session
        self.mapping = mapping
        self.identity_column = mapping.identity or identity_column
        self.cells = CellReader(session, mapping)
        self.split = {column: base for base, columns in mapping.select_multiple.items()
                      for column in columns}
        self.fast = fast and not self.split
        self._plans: dict[int, _Plan] = {}
        self._copied: dict[str, tuple[str, ...]] = {}

    def _plan(self, columns: dict[str, str]) -> _Plan:
        plan = self._plans.get(id(columns))
        if plan is None:
            plan = self._plans[id(columns)] = _make_plan(columns, self.mapping.unmapped)
        return plan

    # --- cells ----------------------------------------------------------------------------

    def _fields(self, values: dict[str, str], columns: dict[str, str], problems: list[Problem],
                payload: dict[str, Any], clear: dict[str, Any],
                parent: dict[str, str] | None = None) -> None:
        """Fill payload and clear columns from one table's values; problems collected.
        ``parent``: the parent row's values, where a repeat entry finds its age reference."""
        plan = self._plan(columns)
        reference_values = values if parent is None else parent
        if self.fast and self._fields_fast(values, plan, payload, clear, reference_values):
            return
        self._fields_general(values, plan, problems, payload, clear, reference_values)

    def _fields_fast(self, values: dict[str, str], plan: _Plan, payload: dict[str, Any],
                     clear: dict[str, Any], reference_values: dict[str, str]) -> bool:
        """The fast path (module docstring): True when it has filled the row; False, having
        changed nothing, when the row needs the general path."""
        joined = "".join(values.values())
        # Joining adds no character: the joined text is printable, free of U+FFFD and within
        # the limit only if every cell is (check_text's rules).
        if len(joined) > self.mapping.max_field_chars or not joined.isprintable() \
                or "\ufffd" in joined:
            return False
        kept = {column: text for column, raw in values.items()
                if (text := raw.strip()) and (len(text) > _UNKNOWN_LONGEST
                                              or text.casefold() not in UNKNOWN)}
        out: dict[str, Any] = {}
        for column, name in plan.texts:
            text = kept.pop(column, "")  # kept texts are never empty
            if text:
                out[name] = text
        written: dict[str, str] = {}
        settings: list[tuple[str, Any]] = []
        for column, name, kind in plan.derived:
            text = kept.pop(column, "")
            if not text:
                continue
            reference = self.cells.reference_year(reference_values) if kind == "birth" else None
            cell = self.cells.read(name, kind, text, reference)
            if isinstance(cell, ValueProblem):
                return False
            value, setting, derived = cell
            out[name] = value
            if value != text:
                written[name] = text
            if setting is not None and (name != "origin" or "origin_province" not in clear):
                settings.append((setting, derived))
        for column in plan.dropped:
            kept.pop(column, "")
        if plan.extras is not None:
            kept = {column: text for column, text in kept.items() if column in plan.extras}
        payload.update(out)
        if written:
            payload["as_written"] = written
        if kept:
            payload.setdefault("extra", {}).update(kept)
        for setting, derived in settings:
            clear[setting] = derived
            if setting == "origin_province":
                clear["_unresolved"] = derived is None
        return True

    def _fields_general(self, values: dict[str, str], plan: _Plan, problems: list[Problem],
                        payload: dict[str, Any], clear: dict[str, Any],
                        reference_values: dict[str, str]) -> None:
        """Cell by cell, in column order: every problem of the row is found."""
        written: dict[str, str] = {}
        extra: dict[str, Any] = {}
        folded: dict[str, list[str]] = {}
        limit = self.mapping.max_field_chars
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
            target, kind = plan.kinds.get(column, unmapped)
            if kind == IGNORE or not text or (len(text) <= _UNKNOWN_LONGEST
                                              and text.casefold() in UNKNOWN):
                continue
            if kind == EXTRA:
                extra[column] = text
                continue
            if kind == "text" or (kind == "place" and target != "origin"):
                payload[target] = text  # as written: nothing for as_written
                continue
            reference = self.cells.reference_year(reference_values) if kind == "birth" \
                else None
            cell = self.cells.read(target, kind, text, reference)
            if isinstance(cell, ValueProblem):
                problems.append(Problem(column, cell.reason, raw))
                continue
            value, setting, derived = cell
            payload[target] = value
            if setting is not None and (target != "origin" or "origin_province" not in clear):
                clear[setting] = derived
                if setting == "origin_province":
                    clear["_unresolved"] = derived is None
            if value != text:
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
        if row.table:  # a repeat row whose parent never came (see readers.children)
            self._reject(result, f"{row.table}:{row.number}", row.problems)
            return result
        if not row.children and all(is_blank(v) for v in row.values.values()):
            result.blank = True
            return result
        label = str(row.number)
        problems = list(row.problems)
        identity = self._identity(row, problems)
        payload: dict[str, Any] = {}
        clear: dict[str, Any] = {}
        self._fields(row.values, self.mapping.columns, problems, payload, clear)
        if row.children:
            self._unmapped(row, payload)
        if problems:
            self._reject(result, label, problems)
            self._reject_below(result, label, None, row.children)
            return result
        if self.mapping.parent_record:
            result.records.append(self._record(identity, payload, clear))
            result.unresolved_origins += bool(clear.get("_unresolved"))
        if row.children:
            self._below(result, label, identity, None, row.children, payload, clear,
                        row.values)
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
            copied = self._copied_clear(group, repeat)
            for index, child in enumerate(children, start=1):
                problems = list(child.problems)
                payload = {name: parent[name] for name in repeat.copy_fields if name in parent}
                clear = {key: parent_clear[key] for key in copied if key in parent_clear}
                self._fields(child.values, repeat.columns, problems, payload, clear,
                             parent=values)
                if child.children:
                    self._unmapped(child, payload)
                row_id = None if source_row is None else f"{source_row}/{step}[{index}]"
                if row_id is not None and len(row_id) > SOURCE_ROW_LIMIT:
                    problems.append(Problem(
                        "", f"the identity is longer than {SOURCE_ROW_LIMIT} characters"))
                here = (f"{where} {step}[{index}]" if parent_group is None
                        else f"{where}/{step}[{index}]")
                if problems:
                    self._reject(result, here, problems)
                    self._reject_below(result, here, group, child.children)
                    continue
                result.records.append(self._record(row_id, payload, clear))
                result.unresolved_origins += bool(clear.get("_unresolved"))
                if child.children:
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

    def _copied_clear(self, group: str, repeat: RepeatMapping) -> tuple[str, ...]:
        """The clear columns an entry of ``group`` takes from its parent (once per group): those
        of the fields it copies, but not the origin's province where it maps its own origin."""
        keys = self._copied.get(group)
        if keys is None:
            wanted: list[str] = []
            if "origin" in repeat.copy_fields or "origin_province" in repeat.copy_fields:
                wanted += ["origin_province", "_unresolved"]
            if "event_date" in repeat.copy_fields:
                wanted.append("event_year")
            if "sex" in repeat.copy_fields:
                wanted.append("sex")
            if "birth" in repeat.copy_fields:
                wanted.append("birth_year")
            own_origin = "origin" in repeat.columns.values()
            keys = self._copied[group] = tuple(
                key for key in wanted
                if not (own_origin and key in ("origin_province", "_unresolved")))
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
