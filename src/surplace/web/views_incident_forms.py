"""The form side of documenting an incident and its acts: reading what a documenter typed into
the inputs of :func:`surplace.incidents.service.add_incident`, ``add_act`` and
:func:`surplace.incidents.claims.add_claim`, and sending every refusal back to the field it is
about, so the page can show it beside that field with the input kept.

Dates are typed as a witness knows them: ``2024``, ``2024-03`` or ``2024-03-12``. The form
infers the precision from the shape (year, month, day) instead of asking for it separately,
because a precision that disagrees with the date typed is a mistake the form need not allow.

Places are typed (any spelling the gazetteer knows, in any script) or picked from the list the
page offers; the gazetteer resolves them, and an unknown one is refused with the nearest places
suggested. The list itself is public geography read from the store's ``place`` table.

The JSON API takes the same fields in a body (:class:`IncidentBody`, :class:`ActBody`, the
source's claim as a nested :class:`ClaimBody`) and reads them through the same functions, so a
program is held to exactly the form's rules; :func:`refuse_fields` answers its wrong fields.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, NoReturn

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from surplace.incidents.vocabularies import extension_fields, terms
from surplace.records.models import Place
from surplace.web.api import PROBLEMS
from surplace.web.i18n import N_
from surplace.web.views_cases import Form

#: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``: the shapes a partial date may take.
_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?$")
DATE_HELP = N_("YYYY-MM-DD, or YYYY-MM or YYYY when only the month or year is known.")

INCIDENT_FIELDS = ("title", "date", "end_date", "place", "description", "monitoring_status")
#: Act-type extension fields the form offers, in the order it shows them.
EXTENSIONS = ("return_from_place", "handed_to_unit", "crossing_point", "detention_kind",
              "detention_place", "legal_counsel", "whereabouts", "method")
ACT_FIELDS = ("act_type", "victim", "date", "end_date", "place", "victim_status", "unit",
              "degree", "consequences", *EXTENSIONS, "source", "connection", "reliability",
              "credibility", "content")
#: How the services name a field in their messages → the form field it belongs beside.
_ALIASES = {"start_date": "date", "start_precision": "date", "date_precision": "date",
            "end_precision": "end_date", "perpetrator": "unit", "perpetrators": "unit",
            "perpetrators.person": "unit", "act_id": "act_type"}


@dataclass(frozen=True)
class PlaceChoice:
    code: str
    label: str


@dataclass(frozen=True)
class SourceChoice:
    code: str
    reliability: str | None


def partial_date(text: str, name: str, form: Form, *, partial: bool = True
                 ) -> tuple[date | None, str]:
    """A typed date and the precision its shape says; a wrong one fails ``name`` on ``form``
    (and gives ``(None, "unknown")``). Blank is an unknown date. ``partial=False`` wants a
    whole day (an act's last day is a day: a month would stand for its first day)."""
    value = text.strip()
    if not value:
        return None, "unknown"
    match = _PARTIAL_DATE.match(value)
    if match is None:
        form.fail(name, N_("Give the date as YYYY-MM-DD, YYYY-MM or YYYY."))
        return None, "unknown"
    year, month, day = (int(part) if part else None for part in match.groups())
    if not partial and day is None:
        form.fail(name, N_("Give the date as YYYY-MM-DD."))
        return None, "unknown"
    try:
        found = date(year or 1, month or 1, day or 1)
    except ValueError:
        form.fail(name, N_("This date does not exist in the calendar."))
        return None, "unknown"
    return found, "day" if day else "month" if month else "year"


def error_field(message: str, fields: tuple[str, ...], default: str) -> str:
    """The form field a service's refusal names (``"end_date: …"``, ``"perpetrators.0.unit:
    …"``), else ``default``."""
    head = message.split(":", 1)[0].strip().lower()
    for candidate in (head, _ALIASES.get(head, ""), head.rsplit(".", 1)[-1]):
        if candidate in fields:
            return candidate
        if _ALIASES.get(candidate) in fields:
            return _ALIASES[candidate]
    return default


def _text(values: dict[str, str], name: str) -> str | None:
    return values.get(name, "").strip() or None


def read_incident_form(values: dict[str, str]) -> tuple[dict[str, Any] | None, Form]:
    """The "document an incident" form as ``add_incident``'s input, or the form with a message
    beside each wrong field (the service's own checks come after, see the route)."""
    form = Form(values=values)
    title = _text(values, "title")
    if title is None:
        form.fail("title", N_("Give the incident a short title (it is sealed: it may name "
                              "people)."))
    start, precision = partial_date(values.get("date", ""), "date", form)
    end, end_precision = partial_date(values.get("end_date", ""), "end_date", form)
    if form.errors:
        return None, form
    return {"title": title, "description": _text(values, "description"),
            "start_date": start, "start_precision": precision,
            "end_date": end, "end_precision": end_precision if end else "day",
            "place": _text(values, "place"),
            "monitoring_status": _text(values, "monitoring_status") or "open"}, form


def read_act_form(values: dict[str, str], incident_id: str
                  ) -> tuple[dict[str, Any] | None, dict[str, Any] | None, Form]:
    """The "add an act" form as ``add_act``'s input and, when a source is named, the input of
    the source's claim about the act (``add_claim``, its ``act_id`` filled in once the act
    exists); or ``None``s and the form with a message beside each wrong field."""
    form = Form(values=values)
    act_type = _text(values, "act_type")
    if act_type is None:
        form.fail("act_type", N_("Choose the type of act."))
    victim = _text(values, "victim")
    if victim is None:
        form.fail("victim", N_("Give the pseudonym or id of a registered person."))
    when, precision = partial_date(values.get("date", ""), "date", form)
    end, _ = partial_date(values.get("end_date", ""), "end_date", form, partial=False)
    applies = extension_fields(act_type) if act_type in terms("act_type") else frozenset()
    extensions: dict[str, Any] = {}
    for name in EXTENSIONS:
        given = _text(values, name)
        if given is None:
            continue
        if act_type in terms("act_type") and name not in applies:
            form.fail(name, N_("This field does not apply to the chosen type of act; leave it "
                               "empty."))
        extensions[name] = {"yes": True, "no": False}.get(given, given) \
            if name == "legal_counsel" else given
    unit, degree = _text(values, "unit"), _text(values, "degree") or "unknown"
    claim = _claim_fields(values, form)
    if form.errors:
        return None, None, form
    act: dict[str, Any] = {
        "incident_id": incident_id, "act_type": act_type, "victim": victim,
        "date": when, "date_precision": precision, "end_date": end,
        "place": _text(values, "place"), "victim_status": _text(values, "victim_status"),
        "consequences": _text(values, "consequences"),
        "perpetrators": [{"unit": unit, "degree": degree}] if unit else [], **extensions}
    if claim is not None:
        claim |= {key: value for key, value in act.items()
                  if key not in ("incident_id", "consequences", "whereabouts", "method")}
    return act, claim, form


def _claim_fields(values: dict[str, str], form: Form) -> dict[str, Any] | None:
    """The source part of the act form: which source tells of the act, how it knows, and how
    far it and its information are to be believed (Admiralty grade)."""
    source = _text(values, "source")
    if source is None:
        if _text(values, "connection") or _text(values, "content"):
            form.fail("source", N_("Choose the source these details come from."))
        return None
    claim: dict[str, Any] = {"source": source,
                             "connection": _text(values, "connection") or "",
                             "content": _text(values, "content")}
    if not claim["connection"]:
        form.fail("connection", N_("Say how the source knows of the act."))
    if reliability := _text(values, "reliability"):
        claim["reliability"] = reliability
    credibility = _text(values, "credibility")
    if credibility is not None:
        if not credibility.isdigit():
            form.fail("credibility", N_("Choose a credibility from 1 to 6."))
        else:
            claim["credibility"] = int(credibility)
    return claim


def place_choices(session: Session, locale: str) -> list[PlaceChoice]:
    """Every gazetteer place, by code, labelled in the reader's language: the suggestions
    of the place inputs (public geography, nothing sealed)."""
    rows = session.execute(select(Place.code, Place.name_en, Place.name_ko, Place.name_zh)
                           .order_by(Place.code))
    choices = []
    for code, english, korean, chinese in rows:
        name = {"ko": korean, "zh": chinese}.get(locale) or english
        choices.append(PlaceChoice(code=str(code), label=f"{name} ({code})"))
    return choices


# ---- the JSON API ----

def refuse_fields(problems: Mapping[str, str]) -> NoReturn:
    """Refuse an API call, naming each wrong field of its body (``names.0.script``,
    ``claim.credibility``): raised as FastAPI's own validation error, so the answer is the very
    422 problem+json a malformed body gets (``errors.handle_validation``), whichever check
    refused it."""
    raise RequestValidationError([
        {"type": "value_error", "loc": ("body", *name.split(".")), "msg": message}
        for name, message in problems.items()])


def created(what: str) -> dict[int | str, dict[str, Any]]:
    """``responses=`` of an API route that makes ``what``: its problems and the 201 with the
    ``Location`` of what was made (documented, since FastAPI cannot see a header set in the
    route)."""
    return {**PROBLEMS, 201: {"description": f"The {what}, made.", "headers": {
        "Location": {"description": f"Where the {what} is read (it carries ids only).",
                     "schema": {"type": "string"}}}}}


def api_field(message: str, fields: tuple[str, ...], default: str,
              renamed: Mapping[str, str] | None = None) -> str:
    """The body field a service's refusal is about (:func:`error_field`), renamed where the
    body nests it (a claim's ``source`` is ``claim.source``)."""
    name = error_field(message, fields, default)
    return (renamed or {}).get(name, name)


class _Body(BaseModel):
    """A request body: an unknown field is refused rather than ignored (a misspelt optional
    field would otherwise be lost without a word)."""

    model_config = ConfigDict(extra="forbid")


def _partial_date() -> Any:
    """A date as a witness knows it (the form's rule: the precision follows from the shape)."""
    return Field(default=None, max_length=10, description="YYYY-MM-DD, or YYYY-MM or YYYY "
                 "when only the month or year is known.")


class IncidentBody(_Body):
    """An incident to document: what ``POST /incidents`` takes, as JSON."""

    title: str = Field(max_length=500, description="Short title; sealed (it may name people).")
    date: str | None = _partial_date()
    end_date: str | None = _partial_date()
    place: str | None = Field(default=None, max_length=128,
                              description="Any spelling or code the gazetteer knows.")
    description: str | None = Field(default=None, max_length=50_000,
                                    description="Sealed free text.")
    monitoring_status: str = Field(default="open", max_length=64)


class ClaimBody(_Body):
    """The source that tells of an act, how it knows, and its Admiralty grade: attached to the
    act in the same transaction (a refused claim leaves no act)."""

    source: str = Field(max_length=64, description="The source's code.")
    connection: str = Field(max_length=64, description="How the source knows of the act "
                            "(information_connection vocabulary: witness, victim, …).")
    reliability: str | None = Field(default=None, max_length=1,
                                    description="A–F; the source's own grade when left out.")
    credibility: int = Field(default=6, ge=1, le=6, description="1 (confirmed) to 6 (cannot "
                             "be judged).")
    content: str | None = Field(default=None, max_length=50_000,
                                description="What the source says; sealed.")


class ActBody(_Body):
    """An act to add to an incident: what ``POST /incidents/{id}/acts`` takes, as JSON. The
    extension fields apply to some act types only (a forced return: ``return_from_place``,
    ``handed_to_unit``, ``crossing_point``); one that does not apply is refused."""

    act_type: str = Field(max_length=64)
    victim: str = Field(max_length=64, description="Pseudonym or id of a registered person.")
    date: str | None = _partial_date()
    end_date: str | None = Field(default=None, max_length=10, description="YYYY-MM-DD.")
    place: str | None = Field(default=None, max_length=128)
    victim_status: str | None = Field(default=None, max_length=64)
    unit: str | None = Field(default=None, max_length=64, description="Perpetrator unit.")
    degree: str | None = Field(default=None, max_length=64,
                               description="The unit's involvement (default unknown).")
    consequences: str | None = Field(default=None, max_length=20_000)
    return_from_place: str | None = Field(default=None, max_length=128)
    handed_to_unit: str | None = Field(default=None, max_length=64)
    crossing_point: str | None = Field(default=None, max_length=128)
    detention_kind: str | None = Field(default=None, max_length=64)
    detention_place: str | None = Field(default=None, max_length=128)
    legal_counsel: bool | None = None
    whereabouts: str | None = Field(default=None, max_length=2_000)
    method: str | None = Field(default=None, max_length=2_000)
    claim: ClaimBody | None = None


#: Form field → body field, where the body nests the source's claim.
CLAIM_FIELDS = {name: f"claim.{name}"
                for name in ("source", "connection", "reliability", "credibility", "content")}


def _as_values(fields: Mapping[str, Any]) -> dict[str, str]:
    """Body fields as the form's typed text (``None`` is a blank field)."""
    shown = {True: "yes", False: "no", None: ""}
    return {name: shown[value] if value is None or isinstance(value, bool) else str(value)
            for name, value in fields.items()}


def incident_values(body: IncidentBody) -> dict[str, str]:
    return _as_values(body.model_dump())


def act_values(body: ActBody) -> dict[str, str]:
    """The act and its claim as the act form's fields (the claim's are the form's own)."""
    values = _as_values(body.model_dump(exclude={"claim"}))
    if body.claim is not None:
        values |= _as_values(body.claim.model_dump())
    return values


def form_refusal(form: Form, renamed: Mapping[str, str] | None = None) -> NoReturn:
    """Refuse an API call with the form's messages, each under its body field's name."""
    refuse_fields({(renamed or {}).get(name, name): message
                   for name, message in form.errors.items()})
