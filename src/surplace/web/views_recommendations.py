"""The form side of the recommendation pages, and where an evidence link points.

The tracker's input models (:mod:`surplace.advocacy.schemas`) refuse the first wrong field;
a form should mark every wrong field at once, with the user's input kept. So each form is read
here field by field: blanks and vocabulary terms first (with messages that are translated),
then the model for what remains (length, the code's form, a date in the future), with a valid
stand-in for the fields already marked so their neighbours are still checked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from surplace.access.policy import Actor
from surplace.advocacy import vocabularies
from surplace.advocacy.schemas import (
    EvidenceIn,
    EvidenceOut,
    RecommendationIn,
    StatusIn,
)
from surplace.errors import InvalidInput
from surplace.incidents import service as incident_service
from surplace.incidents.exceptions import ActNotFound
from surplace.web.forms import attempt
from surplace.web.i18n import N_
from surplace.web.views_cases import Form, validation_message

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

DATE_MESSAGE = N_("Give the date as YYYY-MM-DD.")


@dataclass(frozen=True)
class FormSpec(Generic[M]):
    """One form: its model, its fields in order, what a blank required field is told, the
    fields that take a vocabulary term, the date fields, and a valid stand-in per field."""

    model: type[M]
    fields: tuple[str, ...]
    required: dict[str, str]
    stand_ins: dict[str, str]
    terms: dict[str, str] = field(default_factory=dict)
    dates: tuple[str, ...] = ()


RECOMMENDATION_FORM = FormSpec(
    model=RecommendationIn,
    fields=("code", "addressee", "issuer", "issued_on", "text"),
    required={"code": N_("Give the recommendation's short code, e.g. HRW-2013-1."),
              "addressee": N_("Say to whom the recommendation is addressed."),
              "issuer": N_("Say who issued the recommendation."),
              "text": N_("Give the text of the recommendation.")},
    stand_ins={"code": "XX", "addressee": "-", "issuer": "-", "text": "-"},
    dates=("issued_on",),
)

STATUS_FORM = FormSpec(
    model=StatusIn,
    fields=("status", "reason"),
    required={"status": N_("Choose a status from the list."),
              "reason": N_("Say why: the evidence and sources behind this judgement.")},
    stand_ins={"status": "unknown", "reason": "-"},
    terms={"status": "status"},
)

EVIDENCE_FORM = FormSpec(
    model=EvidenceIn,
    fields=("object_type", "object_id", "note"),
    required={"object_type": N_("Choose what kind of object the evidence is."),
              "object_id": N_("Give the id of the incident, act or estimate.")},
    stand_ins={"object_type": "incident", "object_id": "-"},
    terms={"object_type": "evidence_kind"},
)

#: Shown beside the id when the store has no such object (the service's own message names
#: the kind and id in English; this one is translated).
UNKNOWN_EVIDENCE = N_("There is no object of this kind with this id in the store.")


def read_form(spec: FormSpec[M], values: dict[str, str]) -> tuple[M | None, Form]:
    """The form as the service's input, or ``None`` and the form with a message per field."""
    form = Form(values={name: values.get(name, "") for name in spec.fields})
    data: dict[str, Any] = {}
    for name in spec.fields:
        value = values.get(name, "").strip()
        if not value:
            if name in spec.required:
                form.fail(name, spec.required[name])
            continue
        if name in spec.terms:
            try:
                value = vocabularies.check(spec.terms[name], value.lower(), field=name)
            except InvalidInput as error:
                form.fail(name, str(error))
                continue
        if name in spec.dates:
            try:
                date.fromisoformat(value)
            except ValueError:
                form.fail(name, DATE_MESSAGE)
                continue
        data[name] = value
    checked = {**data, **{name: spec.stand_ins[name] for name in form.errors
                          if name in spec.stand_ins}}
    try:
        parsed = spec.model.model_validate(checked)
    except ValidationError as error:
        for problem in error.errors():
            name = str(problem["loc"][0]) if problem["loc"] else spec.fields[0]
            if name not in form.errors:
                form.fail(name if name in spec.fields else spec.fields[0],
                          validation_message(problem))
        return None, form
    return (None if form.errors else parsed), form


def submit(session: Session, spec: FormSpec[M], values: dict[str, str],
           action: Callable[[M], T], *, default: str,
           refusals: Mapping[type[Exception], tuple[str, str]] | None = None
           ) -> tuple[T | None, Form]:
    """A submitted form read by ``spec`` and, when every field is right, handed to ``action``
    (the service call): what it returned, or ``None`` with the form marked where the input or
    the service (see :func:`~surplace.web.forms.attempt`) found it wrong."""
    data, form = read_form(spec, values)
    if data is None:
        return None, form
    done = attempt(session, form, lambda: action(data), fields=spec.fields, default=default,
                   refusals=refusals)
    return done, form


def evidence_links(session: Session, *, actor: Actor,
                   items: list[EvidenceOut]) -> dict[str, str]:
    """Evidence id → the page of the object it points at, for the objects this reader may
    open (incidents and acts need ``incident.read``, estimates ``aggregate.read``); an act is
    shown on its incident's page."""
    links: dict[str, str] = {}
    for item in items:
        if item.object_type == "incident" and actor.can("incident.read"):
            links[item.id] = f"/incidents/{item.object_id}"
        elif item.object_type == "act" and actor.can("incident.read"):
            try:
                act = incident_service.get_act(session, item.object_id)
            except ActNotFound:
                continue
            links[item.id] = f"/incidents/{act.incident_id}#act-{act.id}"
        elif item.object_type == "estimate" and actor.can("aggregate.read"):
            links[item.id] = f"/estimates/{item.object_id}"
    return links
