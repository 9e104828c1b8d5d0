"""Registering a person in the browser: names in any script the store knows (Hangul, Chinese
characters, Latin letters — several, each with its kind), sex, birth date or year, province and
home place, and the sealed contact details.

Routes only translate: :func:`surplace.records.service.register_person` checks the policy
(``identity.write``) and stores the names sealed, with their blind indexes (so the person is
found by name at once). A refusal is shown beside its field with the input kept. Nothing typed
here goes into an address: the form posts, and the redirect carries the new person's id only —
to the person's page, or back to the "open a case" form with the person chosen when the form
was reached from there (``?then=case``).

``POST /api/v1/persons`` registers a person from a JSON body (:class:`PersonBody`) through the
same form reader and service; it answers 201 with the person by id and pseudonym (no identity
is echoed) and a ``Location`` that carries the id only.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from surplace.access.policy import require
from surplace.records import service as records_service
from surplace.records import vocabularies
from surplace.records.schemas import PersonSummary
from surplace.web.deps import ActorDep, SessionDep, requires
from surplace.web.forms import see_other
from surplace.web.templating import render
from surplace.web.views_cases import Form
from surplace.web.views_common import locale_of, needs, roles_with, term_labeller
from surplace.web.views_incident_forms import created, place_choices, refuse_fields
from surplace.web.views_person_forms import (
    BIRTH_HELP,
    DEFAULTS,
    ROWS,
    PersonBody,
    body_field,
    person_values,
    read_person_form,
)

router = APIRouter()

_WRITE = roles_with("identity.write")
ACCESS: dict[str, frozenset[str]] = {
    "GET /persons/new": _WRITE,
    "POST /persons": _WRITE,
    "POST /api/v1/persons": _WRITE,
}

#: Where the form may send the user next, besides the person's page.
_THEN = ("case",)


def _form(request: Request, session: Session, form: Form, *, status_code: int = 200
          ) -> Response:
    locale = locale_of(request)
    vocabulary = {name: list(vocabularies.terms(name))
                  for name in ("sex", "province", "script", "name_kind", "romanisation")}
    return render(request, "persons/new.html", status_code=status_code, form=form, rows=ROWS,
                  vocabulary=vocabulary, places=place_choices(session, locale),
                  birth_help=BIRTH_HELP, term=term_labeller(locale))


@router.get("/persons/new")
def person_new(request: Request, actor: ActorDep, session: SessionDep,
               then: str | None = None) -> Response:
    require(actor, "identity.write")
    return _form(request, session, Form(values={**DEFAULTS,
                                                "then": then if then in _THEN else ""}))


@router.post("/persons", dependencies=[Depends(requires("identity.write"))])
async def person_add(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    values = {key: value for key, value in (await request.form()).items()
              if isinstance(value, str)}
    data, form = read_person_form(session, values)
    if data is None:
        return _form(request, session, form, status_code=422)
    with session.begin_nested():
        person = records_service.register_person(session, actor=actor, data=data)
    if values.get("then") == "case" and actor.can("case.write"):
        return see_other(f"/cases/new?person={person.id}")
    return see_other(f"/persons/{person.id}")


# ---- API ----

@router.post("/api/v1/persons", response_model=PersonSummary, status_code=201,
             responses=created("person"), dependencies=[needs("identity.write")])
def api_register_person(body: PersonBody, response: Response, actor: ActorDep,
                        session: SessionDep) -> PersonSummary:
    """Register a person: one or more names (each whole, or family and given name; script
    hangul, hanja or latin), sex, birth date (``YYYY-MM-DD``, or ``YYYY`` when only the year
    is known), province and home place of origin (a place the gazetteer knows fills an empty
    province; a province it contradicts is refused), sealed contact details. Answers the person
    by id and pseudonym; the whole record is at ``Location``."""
    values, rows = person_values(body)
    data, form = read_person_form(session, values, rows)
    if data is None:
        refuse_fields({body_field(name): message for name, message in form.errors.items()})
    person = records_service.register_person(session, actor=actor, data=data)
    response.headers["Location"] = f"/api/v1/persons/{person.id}"
    return records_service.summary(person)
