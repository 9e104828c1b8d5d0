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

The JSON API (:class:`PersonBody`) takes a list of names instead of rows and is read through the
same :func:`read_person_form`, given one row per name, so a program is held to the form's rules;
a wrong field is named as the body names it (``names.1.script``, ``birth_date``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.orm import Session

from surplace.errors import InvalidInput
from surplace.records.gazetteer import resolve_place
from surplace.records.schemas import NameIn, PersonIn
from surplace.records.vocabularies import check
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


def _known(vocabulary: str, values: dict[str, str], field: str, form: Form) -> str | None:
    """The field's term if the vocabulary knows it; else the refusal beside the field, in the
    same round as every other message (the model would refuse only the first, after them)."""
    value = _text(values, field)
    if value is None:
        return None
    try:
        return check(vocabulary, value.upper(), field=vocabulary)
    except InvalidInput as error:  # "sex: 'Q' is not a known sex; did you mean …"
        form.fail(field, str(error))
        return None


def _origin(session: Session, province: str | None, values: dict[str, str],
            form: Form) -> str | None:
    """The province of origin: ``province`` (the one chosen, a known term), else the province
    of a home place the gazetteer knows; a chosen province that the known place lies outside
    is refused."""
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


def read_person_form(session: Session, values: dict[str, str],
                     rows: tuple[NameRow, ...] = ROWS) -> tuple[PersonIn | None, Form]:
    """The "register a person" form as :class:`PersonIn`, or the form with a message beside
    each wrong field. ``rows``: the name rows to read (the API reads one per name given)."""
    form = Form(values=values)
    names = [read for row in rows if (read := _read_name(values, row, form)) is not None]
    if not names and not any(key.startswith("name") for key in form.errors):
        form.fail("name0_full", N_("Give at least one name (the whole name, or the family "
                                   "and given name)."))
    chosen = _known("province", values, "origin_province", form)
    data: dict[str, Any] = {
        "names": names, "sex": _known("sex", values, "sex", form), **_birth(values, form),
        "origin_province": _origin(session, chosen, values, form),
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


# ---- the JSON API ----

#: Names one person may be registered with through the API at once (the form offers
#: :data:`NAME_ROWS`); more are refused rather than stored unchecked.
MAX_API_NAMES = 20


class NameBody(BaseModel):
    """One name: whole, or family and given name (the whole name is then composed, family name
    first, as the form does)."""

    model_config = ConfigDict(extra="forbid")

    full_name: str | None = Field(default=None, max_length=256)
    family_name: str | None = Field(default=None, max_length=128)
    given_name: str | None = Field(default=None, max_length=128)
    script: str = Field(default="latin", max_length=32,
                        description="hangul, hanja (Chinese characters) or latin.")
    kind: str = Field(default="legal", max_length=32, description="legal, alias, …")
    romanisation: str | None = Field(default=None, max_length=32)


class PersonBody(BaseModel):
    """A person to register: what ``POST /persons`` takes, as JSON."""

    model_config = ConfigDict(extra="forbid")

    names: list[NameBody] = Field(min_length=1, max_length=MAX_API_NAMES)
    sex: str | None = Field(default=None, max_length=8)
    birth_date: str | None = Field(default=None, max_length=10, description=BIRTH_HELP)
    origin_province: str | None = Field(default=None, max_length=16,
                                        description="ISO 3166-2 code (KP-09 …); filled from "
                                        "origin_place when the gazetteer knows the place.")
    origin_place: str | None = Field(default=None, max_length=256, description="Sealed.")
    current_location: str | None = Field(default=None, max_length=512, description="Sealed.")
    contact: str | None = Field(default=None, max_length=512, description="Sealed.")
    document_number: str | None = Field(default=None, max_length=64, description="Sealed.")
    notes: str | None = Field(default=None, max_length=20_000, description="Sealed.")


#: A name row's part → the :class:`NameBody` field it is.
_BODY_PARTS = {"full": "full_name", "family": "family_name", "given": "given_name",
               "script": "script", "kind": "kind", "romanisation": "romanisation"}


def person_values(body: PersonBody) -> tuple[dict[str, str], tuple[NameRow, ...]]:
    """The body as the form's fields, and the name rows that hold its names."""
    rows = tuple(NameRow(index) for index in range(len(body.names)))
    values = {name: value or "" for name, value in body.model_dump(exclude={"names"}).items()}
    for row, name in zip(rows, body.names, strict=True):
        for part, field in _BODY_PARTS.items():
            values[row.field(part)] = getattr(name, field) or ""
    return values, rows


def body_field(form_field: str) -> str:
    """The body field a form field stands for (``name1_script`` → ``names.1.script``)."""
    found = re.fullmatch(r"name(\d+)_(\w+)", form_field)
    if found is None or found.group(2) not in _BODY_PARTS:
        return form_field
    return f"names.{found.group(1)}.{_BODY_PARTS[found.group(2)]}"
