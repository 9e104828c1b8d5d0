"""Case pages and the cases API: the list (name search through the blind index, filters, urgent
first), the case file, and the forms that open a case and move it through the workflow.

Routes only translate: the cases, records and assessment services decide who may see or do
what (``AccessDenied`` becomes a 403 page), and their refusals of bad input are shown beside the
field they are about, with what the user typed kept in the form.

A name is searched with a POST, never a GET: a name in a URL would land in logs and history.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from surplace.access.policy import require
from surplace.assessment import service as assessment_service
from surplace.cases import service as case_service
from surplace.cases import vocabularies as case_vocabularies
from surplace.cases.exceptions import CaseInputError, IllegalTransition
from surplace.cases.schemas import CaseOut, CaseSummary
from surplace.cases.workflow import workflow
from surplace.errors import InvalidInput
from surplace.records import service as records_service
from surplace.web import api
from surplace.web.deps import ActorDep, SessionDep
from surplace.web.forms import form_values
from surplace.web.i18n import N_
from surplace.web.templating import render
from surplace.web.views_case_work import JURISDICTION_LABELS, OUTCOMES, VERDICTS
from surplace.web.views_cases import (
    CaseFilters,
    Form,
    list_page,
    read_case_form,
    read_transition_form,
    staff_names,
    transition_error_field,
)
from surplace.web.views_common import (
    PAGE_SIZE,
    Pager,
    error_field,
    locale_of,
    offset_of,
    query_without,
    roles_with,
    term_labeller,
    text,
)

router = APIRouter()

_READ = roles_with("case.read")
_WRITE = roles_with("case.write")
ACCESS: dict[str, frozenset[str]] = {
    "GET /cases": _READ,
    "POST /cases/search": roles_with("case.read", "identity.read"),
    "GET /cases/new": _WRITE,
    "POST /cases/new": _WRITE,
    "GET /cases/{case_id}": _READ,
    "POST /cases/{case_id}/transition": _WRITE,
    "GET /api/v1/cases": _READ,
    "GET /api/v1/cases/{case_id}": _READ,
}

_FILTER_FIELDS = ("status", "risk", "caseworker")


def _risks() -> list[str]:
    return list(case_vocabularies.terms("risk"))


def _list(request: Request, session: Any, actor: Any, filters: CaseFilters, *,
          offset: int, searched: bool = False, name: str = "",
          errors: dict[str, str] | None = None) -> Response:
    """The list page; with ``errors`` already (a search without a name) nothing is listed."""
    items: list[CaseSummary] = []
    total, status_code = 0, 200
    if errors:
        status_code = 422
    else:
        errors = {}
        try:
            page = list_page(session, actor=actor, filters=filters, offset=offset,
                             limit=PAGE_SIZE)
            items, total = page.items, page.total
        except InvalidInput as error:
            errors[error_field(str(error), _FILTER_FIELDS, "status")] = str(error)
    locale = locale_of(request)
    return render(
        request, "cases/list.html", status_code=status_code,
        cases=items, pager=Pager(offset, PAGE_SIZE, total), errors=errors,
        filters=filters, searched=searched, name=name,
        states=list(workflow().states), risks=_risks(),
        caseworkers=staff_names(session, actor=actor),
        can_search=actor.can("identity.read"), can_open=actor.can("case.write"),
        term=term_labeller(locale), page_query=lambda **changes: query_without(
            request, "offset", **changes))


@router.get("/cases")
def case_list(request: Request, actor: ActorDep, session: SessionDep,
              status: str | None = None, risk: str | None = None,
              caseworker: str | None = None, urgent: str | None = None,
              offset: str | None = None) -> Response:
    filters = CaseFilters(status=text(status), risk=text(risk), caseworker=text(caseworker),
                          urgent=bool(text(urgent)))
    return _list(request, session, actor, filters, offset=offset_of(offset))


@router.post("/cases/search")
async def case_search(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    """Cases of the persons whose name is exactly this (blind index: nothing decrypted)."""
    values = await form_values(request)
    name = values.get("name", "").strip()
    require(actor, "case.read")
    if not name:
        return _list(request, session, actor, CaseFilters(), offset=0, searched=True,
                     errors={"name": N_("Give a name to search for.")})
    persons = records_service.find_by_name(session, actor=actor, name=name)
    filters = CaseFilters(person_ids=[p.id for p in persons])
    return _list(request, session, actor, filters, offset=0, searched=True, name=name)


def _new_form(request: Request, form: Form, *, status_code: int = 200) -> Response:
    locale = locale_of(request)
    return render(request, "cases/new.html", status_code=status_code, form=form,
                  risks=_risks(), term=term_labeller(locale))


@router.get("/cases/new")
def case_new(request: Request, actor: ActorDep, person: str | None = None) -> Response:
    """The form, with the principal chosen when ``person`` (an id: the "register a person"
    form comes back here with the new person's) is given."""
    require(actor, "case.write")
    return _new_form(request, Form(values={"risk": "normal", "organisation": "local",
                                           "principal": text(person) or ""}))


@router.post("/cases/new")
async def case_open(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    require(actor, "case.write")
    values = await form_values(request)
    data, form = read_case_form(values)
    if data is None:
        return _new_form(request, form, status_code=422)
    try:
        with session.begin_nested():  # a refusal undoes only this attempt
            opened = case_service.open_case(session, actor=actor, data=data)
    except (CaseInputError, InvalidInput) as error:
        message = str(error)
        form.fail("principal" if "person" in message.lower() else
                  error_field(message, ("risk", "languages", "specific_needs"), "principal"),
                  message)
        return _new_form(request, form, status_code=422)
    return RedirectResponse(f"/cases/{opened.case_number}", status_code=303)


def _case_page(request: Request, session: Any, actor: Any, case_id: str,
               form: Form | None = None, *, status_code: int = 200) -> Response:
    # The file, the timeline and the assessments from one read of the case's tables.
    shown = case_service.case_file(session, actor=actor, case=case_id)
    case, timeline = shown.case, shown.timeline
    assessments = assessment_service.list_assessments(session, actor=actor, case=case_id,
                                                      loaded=shown.rows)
    locale = locale_of(request)
    flow = workflow()
    return render(
        request, "cases/case.html", status_code=status_code, case=case, timeline=timeline,
        assessments=assessments, latest=assessments[-1] if assessments else None,
        evidence=[entry for entry in timeline if entry.kind == "evidence"],
        steps=flow.allowed_from(case.status) if actor.can("case.write") else [],
        outcomes=list(flow.outcomes), modalities=list(flow.modalities),
        engine_outcomes=OUTCOMES, jurisdictions=JURISDICTION_LABELS, verdicts=VERDICTS,
        form=form or Form(), term=term_labeller(locale))


@router.get("/cases/{case_id}")
def case_page(request: Request, case_id: str, actor: ActorDep,
              session: SessionDep) -> Response:
    return _case_page(request, session, actor, case_id)


@router.post("/cases/{case_id}/transition")
async def case_transition(request: Request, case_id: str, actor: ActorDep,
                          session: SessionDep) -> Response:
    values = await form_values(request)
    parsed, form = read_transition_form(values)
    if parsed is not None:
        try:
            with session.begin_nested():  # a refusal undoes only this attempt
                step = case_service.transition(session, actor=actor, case=case_id,
                                               name=parsed["name"], inputs=parsed["inputs"],
                                               on=parsed["on"])
            return RedirectResponse(f"/cases/{step.case_number}", status_code=303)
        except (IllegalTransition, CaseInputError, InvalidInput) as error:
            form.fail(transition_error_field(str(error)), str(error))
    return _case_page(request, session, actor, case_id, form, status_code=422)


# ---- API ----

@router.get("/api/v1/cases", response_model=api.Page[CaseSummary], responses=api.PROBLEMS)
def api_cases(request: Request, actor: ActorDep, session: SessionDep, page: api.PageDep,
              status: str | None = None, risk: str | None = None,
              caseworker: str | None = None, urgent: bool = False) -> api.Page[CaseSummary]:
    """Cases the caller may read, overdue first; filters: status, risk, caseworker (account
    name), urgent (only cases with open alerts)."""
    found = list_page(session, actor=actor, filters=CaseFilters(
        status=text(status), risk=text(risk), caseworker=text(caseworker), urgent=urgent),
        offset=page.offset, limit=page.limit)
    return api.make_page(request, found.items, page, found.total)


@router.get("/api/v1/cases/{case_id}", response_model=CaseOut, responses=api.PROBLEMS)
def api_case(case_id: str, actor: ActorDep, session: SessionDep) -> CaseOut:
    """The whole case file, by case number or id (every sealed field read is audited)."""
    return case_service.show_case(session, actor=actor, case=case_id)
