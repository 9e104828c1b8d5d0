"""The form side of registering a person: reading what a caseworker typed into the input of
:func:`surplace.records.service.register_person` (:class:`~surplace.records.schemas.PersonIn`),
with a message beside each wrong field and the input kept.

A person is often known by several names — a Hangul legal name, the same name in Chinese
characters on a Chinese document, a Latin spelling a source used — so the form offers
:data:`NAME_ROWS` rows of name fields (a page without script cannot add rows); blank rows are
skipped and at least one name is required. A row may give the name whole, or as family and
given name only: the whole name is then composed in the order Korean and Chinese write it
(family name first; no space between them in Hangul or Chinese characters).

The birth date is typed as known: ``YYYY-MM-DD``, or the year alone (the store keeps a whole
date or a year, so a month alone is refused rather than silently turned into a day). The home
place is sealed free text, since a village may be below what the gazetteer lists; when the
gazetteer knows it, its province fills an empty "province of origin" (and a disagreeing one is
refused).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from surplace.errors import InvalidInput
from surplace.records.gazetteer import resolve_place
from surplace.records.schemas import NameIn, PersonIn
from surplace.web.i18n import N_
from surplace.web.views_cases import Form, validation_message
from surplace.web.views_incident_forms import partial_date

#: Name rows the form shows.
NAME_ROWS = 3
#: The parts of one name row, as ``name<row>_<part>`` fields.
NAME_PARTS = ("full", "family", "given", "script", "kind", "romanisation")
#: The person fields, as the form names them.
PERSON_FIELDS = ("sex", "birth_date", "origin_province", "origin_place", "current_location",
                 "contact", "document_number", "notes")
#: PersonIn / NameIn field → form field (or name-row part).
_PERSON_ALIASES = {"birth_year": "birth_date"}
_NAME_PARTS = {"full_name": "full", "family_name": "family", "given_name": "given",
               "script": "script", "kind": "kind", "romanisation": "romanisation"}
#: The defaults of a blank form: first row a Hangul legal name, the others Latin aliases
#: (the usual order of what a caseworker learns first).
DEFAULTS = {"name0_script": "hangul", "name0_kind": "legal", "name1_script": "hanja",
            "name1_kind": "legal", "name2_script": "latin", "name2_kind": "legal"}
#: The shapes a typed birth date may take (a month alone is refused with its own message).
_BIRTH_SHAPE = re.compile(r"\d{4}(?:-\d{1,2}(?:-\d{1,2})?)?")
BIRTH_HELP = N_("YYYY-MM-DD, or the year alone (YYYY) when only the year is known.")


@dataclass(frozen=True)
class NameRow:
    """One row of name fields on the page (``index`` names its inputs)."""

    index: int

    def field(self, part: str) -> str:
        return f"name{self.index}_{part}"


ROWS = tuple(NameRow(index) for index in range(NAME_ROWS))


def _text(values: dict[str, str], name: str) -> str | None:
    return values.get(name, "").strip() or None


def _whole_name(family: str | None, given: str | None, script: str) -> str | None:
    """The whole name from its parts, family name first (see the module docstring)."""
    parts = [part for part in (family, given) if part]
    if not parts:
        return None
    return ("" if script in ("hangul", "hanja") else " ").join(parts)


def _read_name(values: dict[str, str], row: NameRow, form: Form) -> NameIn | None:
    """One name row as a :class:`NameIn` (``None`` when the row is blank or wrong)."""
    full, family, given = (_text(values, row.field(part)) for part in ("full", "family", "given"))
    if full is None and family is None and given is None:
        return None
    script = _text(values, row.field("script")) or "latin"
    data: dict[str, Any] = {
        "full_name": full or _whole_name(family, given, script), "family_name": family,
        "given_name": given, "script": script,
        "kind": _text(values, row.field("kind")) or "legal",
        "romanisation": _text(values, row.field("romanisation"))}
    try:
        return NameIn.model_validate(data)
    except ValidationError as error:
        for problem in error.errors():
            part = str(problem["loc"][0]) if problem["loc"] else "full_name"
            form.fail(row.field(_NAME_PARTS.get(part, "full")), validation_message(problem))
    except InvalidInput as error:  # a vocabulary refusal: "script: 'x' is not a known …"
        head = str(error).split(":", 1)[0].strip()
        parts = {"name kind": "kind", "script": "script", "romanisation": "romanisation"}
        form.fail(row.field(parts.get(head, "full")), str(error))
    return None


def _birth(values: dict[str, str], form: Form) -> dict[str, Any]:
    """``birth_date`` or ``birth_year`` from the one birth date field."""
    typed = values.get("birth_date", "").strip()
    if typed and not _BIRTH_SHAPE.fullmatch(typed):
        form.fail("birth_date", N_("Give the birth date as YYYY-MM-DD, or the year alone as "
                                   "YYYY."))
        return {}
    when, precision = partial_date(typed, "birth_date", form)
    if when is None:
        return {}
    if precision == "month":
        form.fail("birth_date", N_("Give the whole date (YYYY-MM-DD) or the year alone (YYYY): "
                                   "a month alone cannot be recorded."))
        return {}
    return {"birth_year": when.year} if precision == "year" else {"birth_date": when}


def _origin(session: Session, values: dict[str, str], form: Form) -> str | None:
    """The province of origin: the one chosen, else the province of a home place the
    gazetteer knows; a chosen province that the known place lies outside is refused."""
    province = _text(values, "origin_province")
    place = _text(values, "origin_place")
    if place is None:
        return province
    try:
        found = resolve_place(session, place, field="origin_place")
    except InvalidInput:  # a village below the gazetteer, or a spelling it lacks: kept as typed
        return province
    located = found.iso_3166_2 if found.level != "country" else None
    if province is None:
        return located
    if located is not None and province.upper() != located:
        form.fail("origin_province", N_("The home place lies in another province; correct "
                                        "the one or the other."))
    return province


def read_person_form(session: Session, values: dict[str, str]
                     ) -> tuple[PersonIn | None, Form]:
    """The "register a person" form as :class:`PersonIn`, or the form with a message beside
    each wrong field."""
    form = Form(values=values)
    names = [read for row in ROWS if (read := _read_name(values, row, form)) is not None]
    if not names and not any(key.startswith("name") for key in form.errors):
        form.fail("name0_full", N_("Give at least one name (the whole name, or the family "
                                   "and given name)."))
    data: dict[str, Any] = {
        "names": names, "sex": _text(values, "sex"), **_birth(values, form),
        "origin_province": _origin(session, values, form),
        **{name: _text(values, name) for name in (
            "origin_place", "current_location", "contact", "document_number", "notes")}}
    if form.errors:
        return None, form
    try:
        return PersonIn.model_validate(data), form
    except ValidationError as error:
        for problem in error.errors():
            field = str(problem["loc"][0]) if problem["loc"] else "birth_date"
            field = _PERSON_ALIASES.get(field, field)
            form.fail(field if field in PERSON_FIELDS else "birth_date",
                      validation_message(problem))
    except InvalidInput as error:  # "sex: 'Q' is not a known sex; …", "province: …"
        head = str(error).split(":", 1)[0].strip()
        form.fail({"province": "origin_province"}.get(head, head)
                  if head in ("sex", "province") else "sex", str(error))
    return None, form
