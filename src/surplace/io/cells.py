"""One mapped cell → its normalised value and the clear column it sets, each text read once.

Lists repeat their values: a handful of sex words, a few hundred places, dates that recur
(common birth dates, the days of a wave of arrests). :class:`CellReader` reads each distinct
text of a field once (a date parsed, a vocabulary term looked up, a place found in the
gazetteer) and remembers the outcome, value or problem, so that the thousandth "여" costs one
dictionary look-up. The memory is bounded (cleared past :data:`MEMO_LIMIT` entries): an import
of a million distinct dates stays in bounded memory and only reads some texts twice.

Only the fields whose value is derived go through here (sex, dates and ages, places that give a
province, provinces); names and other text fields are kept as written by the caller.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from surplace.errors import InvalidInput
from surplace.io.mapping import Mapping
from surplace.io.values import ValueProblem, is_blank, parse_date, sex_vocabulary
from surplace.records.gazetteer import resolve_place
from surplace.records.intake import ProvinceIndex

MEMO_LIMIT = 100_000

#: (the field's normalised value, the clear column it sets or None, the value it sets there)
Cell = tuple[str, str | None, Any]


class CellReader:
    """Reads the derived fields of one mapping's cells; see the module docstring."""

    def __init__(self, session: Session, mapping: Mapping) -> None:
        self.session = session
        self.mapping = mapping
        self.sex = sex_vocabulary()
        self._sex_map = mapping.values.get("sex")
        self._places = ProvinceIndex(session)
        self._today = date.today()
        # (field, text, reference year) → the cell, or the problem that refuses it
        self._cells: dict[tuple[str, str, int | None], Cell | ValueProblem] = {}
        # Provinces are few and each refusal costs a gazetteer read: never forgotten.
        self._provinces: dict[str, str | ValueProblem] = {}
        # The reference text last read: a submission's entries share their parent's.
        self._last_reference: tuple[str, int | None] | None = None

    def read(self, name: str, kind: str, text: str, reference: int | None) -> Cell | ValueProblem:
        """The cell of field ``name`` (of ``kind``) written ``text``, an age said in
        ``reference`` (a year, for birth fields only); a problem is returned, not raised, so
        that a remembered refusal is not raised again and again."""
        key = (name, text, reference)
        found = self._cells.get(key)
        if found is None:
            try:
                found = self._read(name, kind, text, reference)
            except ValueProblem as problem:
                found = problem
            if len(self._cells) >= MEMO_LIMIT:
                self._cells.clear()
            self._cells[key] = found
        return found

    def _read(self, name: str, kind: str, text: str, reference: int | None) -> Cell:
        if kind in ("text", "place"):
            # Only origin derives a column: its province, None where the gazetteer does not
            # know the place (kept as written, counted by the caller, not refused).
            if name == "origin":
                return text, "origin_province", self._places.province(text)
            return text, None, None
        if kind == "sex":
            term = self.sex.term(text, self._sex_map)
            return term, "sex", term
        if kind == "province":
            code = self._province(text)
            return code, ("origin_province" if name == "origin_province" else None), code
        read = parse_date(text, order=self.mapping.date_order, ages=kind == "birth",
                          reference_year=reference, today=self._today)
        if name == "birth":
            return read.normalised(), "birth_year", read.birth_year
        if name == "event_date":
            return read.normalised(), "event_year", read.year
        return read.normalised(), None, None

    def _province(self, text: str) -> str:
        found = self._provinces.get(text)
        if found is None:
            try:
                place = resolve_place(self.session, text)
                found = place.iso_3166_2 or ValueProblem("the place is not in a province")
            except InvalidInput as error:
                hint = str(error).partition("; did you mean")[2]
                found = ValueProblem("not a province in the gazetteer"
                                     + (f"; did you mean{hint}" if hint else ""))
            self._provinces[text] = found
        if isinstance(found, ValueProblem):
            raise found
        return found

    def reference_year(self, values: dict[str, str]) -> int | None:
        """The year an age in this row was given in: the mapping's year, or the year of its
        reference column's date (None when blank or unreadable)."""
        reference = self.mapping.age_reference
        if reference is None or isinstance(reference, int):
            return reference
        text = values.get(reference, "")
        last = self._last_reference
        if last is not None and last[0] == text:
            return last[1]
        year: int | None = None
        if not is_blank(text):
            try:
                year = parse_date(text, order=self.mapping.date_order).year
            except ValueProblem:
                year = None
        self._last_reference = (text, year)
        return year
