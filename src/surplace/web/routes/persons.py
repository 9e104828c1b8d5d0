"""Person pages and the persons API.

A person is shown with their identities (names in the script they were recorded in, birth
date, places, contact) only to a role that may read identities (``records.service.show_person``
checks it and the vault audits each read); anyone else who reads incidents sees the pseudonym
and the clear statistical columns. Finding a person by name is a POST (a name in a URL would
land in logs) and goes through the blind index: nothing is decrypted to search.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from surplace.access.policy import require
from surplace.errors import InvalidInput
from surplace.incidents import service as incident_service
from surplace.linkage import review
from surplace.records import service as records_service
from surplace.records.schemas import PersonOut, PersonSummary
from surplace.web import api
from surplace.web.deps import ActorDep, SessionDep
from surplace.web.i18n import N_
from surplace.web.templating import render
from surplace.web.views_cases import CaseFilters, list_page
from surplace.web.views_common import (
    PAGE_SIZE,
    Pager,
    Year,
    error_field,
    locale_of,
    needs,
    offset_of,
    query_without,
    roles_with,
    roles_with_any,
    term_labeller,
    text,
)
from surplace.web.views_records import person_page, person_summary, year

router = APIRouter()

_LIST = roles_with("incident.read")
_IDENTITY = roles_with("identity.read")
ACCESS: dict[str, frozenset[str]] = {
    "GET /persons": _LIST,
    "POST /persons/search": _IDENTITY,
    "GET /persons/{person_id}": roles_with_any("identity.read", "incident.read"),
    "GET /api/v1/persons": _LIST,
    "POST /api/v1/persons/search": _IDENTITY,
    "GET /api/v1/persons/{person_id}": roles_with_any("identity.read", "incident.read"),
}

_FILTERS = ("sex", "birth_year", "province", "name")


def _page(request: Request, session: Any, actor: Any, *, values: dict[str, str | None],
          offset: int, found: list[PersonSummary] | None = None, total: int = 0,
          errors: dict[str, str] | None = None, name: str = "",
          status_code: int = 200) -> Response:
    errors = dict(errors or {})
    persons: list[PersonSummary] = found or []
    if found is None and not errors:
        try:
            persons, total = person_page(
                session, actor=actor, sex=text(values.get("sex")),
                birth_year=year(values.get("birth_year"), "birth_year"),
                province=text(values.get("province")), offset=offset, limit=PAGE_SIZE)
        except InvalidInput as error:
            errors[error_field(str(error), _FILTERS, "sex")] = str(error)
    return render(request, "persons/list.html", status_code=status_code, persons=persons,
                  pager=Pager(offset, PAGE_SIZE, total), errors=errors, values=values,
                  name=name, searched=found is not None,
                  can_search=actor.can("identity.read"), term=term_labeller(locale_of(request)),
                  page_query=lambda **changes: query_without(request, "offset", **changes))


@router.get("/persons")
def persons(request: Request, actor: ActorDep, session: SessionDep, sex: str | None = None,
            birth_year: str | None = None, province: str | None = None,
            offset: str | None = None) -> Response:
    return _page(request, session, actor, offset=offset_of(offset),
                 values={"sex": sex, "birth_year": birth_year, "province": province})


@router.post("/persons/search")
async def persons_search(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    form = await request.form()
    name = str(form.get("name") or "").strip()
    require(actor, "identity.read")
    if not name:
        return _page(request, session, actor, values={}, offset=0, found=[], name="",
                     errors={"name": N_("Give a name to search for.")}, status_code=422)
    found = records_service.find_by_name(session, actor=actor, name=name)
    return _page(request, session, actor, values={}, offset=0, found=found, total=len(found),
                 name=name)


@router.get("/persons/{person_id}")
def person(request: Request, person_id: str, actor: ActorDep, session: SessionDep) -> Response:
    shown: PersonOut | PersonSummary
    history: list[review.HistoryEntry] = []
    if actor.can("identity.read"):
        shown = records_service.show_person(session, actor=actor, reference=person_id)
        history = review.cluster_history(session, actor=actor, person=shown.id)
    else:
        shown = person_summary(session, actor=actor, reference=person_id)
    cases = (list_page(session, actor=actor, filters=CaseFilters(person_ids=[shown.id]),
                       limit=PAGE_SIZE).items if actor.can("case.read") else [])
    incidents = (incident_service.list_incidents(session, actor=actor, victim=shown.id, limit=50)
                 if actor.can("incident.read") else [])
    return render(request, "persons/person.html", person=shown,
                  identity=isinstance(shown, PersonOut), history=history, cases=cases,
                  incidents=incidents, term=term_labeller(locale_of(request)))


# ---- API ----

class NameQuery(BaseModel):
    """A name to find exactly (after normalisation), in any script it was recorded in."""

    name: str = Field(min_length=1, max_length=256)


@router.get("/api/v1/persons", response_model=api.Page[PersonSummary], responses=api.PROBLEMS)
def api_persons(request: Request, actor: ActorDep, session: SessionDep, page: api.PageDep,
                sex: str | None = None, birth_year: Year = None,
                province: str | None = None) -> api.Page[PersonSummary]:
    """Persons by pseudonym with the clear statistical columns; filters: sex, birth_year,
    province (ISO 3166-2)."""
    found, total = person_page(session, actor=actor, sex=text(sex), birth_year=birth_year,
                               province=text(province), offset=page.offset, limit=page.limit)
    return api.make_page(request, found, page, total)


@router.post("/api/v1/persons/search", response_model=list[PersonSummary],
             responses=api.PROBLEMS, dependencies=[needs("identity.read")])
def api_person_search(query: NameQuery, actor: ActorDep,
                      session: SessionDep) -> list[PersonSummary]:
    """Persons with exactly this name, through the blind index (the name travels in the body,
    never in the URL)."""
    return records_service.find_by_name(session, actor=actor, name=query.name)


@router.get("/api/v1/persons/{person_id}", response_model=PersonOut | PersonSummary,
            responses=api.PROBLEMS)
def api_person(person_id: str, actor: ActorDep,
               session: SessionDep) -> PersonOut | PersonSummary:
    """One person by id or pseudonym: with identities for roles that may read them, as a
    pseudonym otherwise."""
    if actor.can("identity.read"):
        return records_service.show_person(session, actor=actor, reference=person_id)
    return person_summary(session, actor=actor, reference=person_id)
