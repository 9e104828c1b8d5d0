"""Recommendation pages and the recommendations API: the tracker of what governments and UN
bodies were asked to do, how far each request is implemented (a history of judgements, each
with who made it and why), the evidence in the store that bears on it, and the indicators
counted from the documented acts since it was made.

Thin over :mod:`surplace.advocacy.service`, which checks the policy (``advocacy.read`` to read,
``advocacy.write`` to add, judge or attach); the indicators are counts and need
``aggregate.read`` as well, so a role without it sees the recommendation and its history but not
the figures. An evidence link is shown as a link only to a reader who may open what it points
at. Forms are re-displayed with the input kept and a message beside each wrong field.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from surplace.access.policy import Actor, require
from surplace.advocacy import service, vocabularies
from surplace.advocacy.exceptions import EvidenceNotFound
from surplace.advocacy.schemas import (
    EvidenceIn,
    EvidenceOut,
    IndicatorsOut,
    RecommendationIn,
    RecommendationOut,
    RecommendationSummary,
    StatusIn,
    StatusOut,
    normal_code,
)
from surplace.errors import InvalidInput
from surplace.web import api
from surplace.web.deps import ActorDep, SessionDep, requires
from surplace.web.forms import form_values, see_other
from surplace.web.listing import ListPage
from surplace.web.templating import render
from surplace.web.views_cases import Form
from surplace.web.views_common import (
    Year,
    error_field,
    locale_of,
    needs,
    roles_with,
    text,
)
from surplace.web.views_recommendations import (
    EVIDENCE_FORM,
    RECOMMENDATION_FORM,
    STATUS_FORM,
    UNKNOWN_EVIDENCE,
    evidence_links,
    submit,
)

router = APIRouter()

_READ = roles_with("advocacy.read")
_WRITE = roles_with("advocacy.write")
_FIGURES = roles_with("advocacy.read", "aggregate.read")
ACCESS: dict[str, frozenset[str]] = {
    "GET /recommendations": _READ,
    "GET /recommendations/new": _WRITE,
    "POST /recommendations": _WRITE,
    "GET /recommendations/{code}": _READ,
    "POST /recommendations/{code}/status": _WRITE,
    "POST /recommendations/{code}/evidence": _WRITE,
    "GET /api/v1/recommendations": _READ,
    "POST /api/v1/recommendations": _WRITE,
    "GET /api/v1/recommendations/{code}": _READ,
    "GET /api/v1/recommendations/{code}/indicators": _FIGURES,
    "POST /api/v1/recommendations/{code}/status": _WRITE,
    "POST /api/v1/recommendations/{code}/evidence": _WRITE,
}

Writer = Annotated[Actor, Depends(requires("advocacy.write"))]
_FILTERS = ("status", "addressee", "issuer")


def _labels(vocabulary: str, locale: str) -> list[tuple[str, str]]:
    """(term, label in the reader's language) for a select."""
    return [(term, vocabularies.label(vocabulary, term, locale))
            for term in vocabularies.terms(vocabulary)]


# ---- pages ----

@router.get("/recommendations")
def recommendation_list(request: Request, actor: ActorDep, session: SessionDep,
                        status: str | None = None, addressee: str | None = None,
                        issuer: str | None = None) -> Response:
    locale = locale_of(request)
    values = {"status": text(status), "addressee": text(addressee), "issuer": text(issuer)}
    listing = ListPage.of(request)
    errors: dict[str, str] = {}
    found: list[RecommendationSummary] = []
    try:
        found = service.list_recommendations(session, actor=actor, status=values["status"],
                                             addressee=values["addressee"],
                                             issuer=values["issuer"], language=locale)
    except InvalidInput as error:
        errors[error_field(str(error), _FILTERS, "status")] = str(error)
    return render(request, "recommendations/list.html", recommendations=listing.rows(found),
                  **listing.pager(len(found)), values=values, errors=errors,
                  statuses=_labels("status", locale),
                  not_judged=service.NOT_JUDGED.get(locale, service.NOT_JUDGED["en"]),
                  can_add=actor.can("advocacy.write"))


def _new_form(request: Request, form: Form, *, status_code: int = 200) -> Response:
    return render(request, "recommendations/new.html", status_code=status_code, form=form)


@router.get("/recommendations/new")
def recommendation_new(request: Request, actor: ActorDep) -> Response:
    require(actor, "advocacy.write")
    return _new_form(request, Form())


@router.post("/recommendations")
async def recommendation_add(request: Request, actor: Writer,
                             session: SessionDep) -> Response:
    added, form = submit(
        session, RECOMMENDATION_FORM, await form_values(request),
        lambda data: service.add_recommendation(session, actor=actor, data=data),
        default="code")
    if added is None:
        return _new_form(request, form, status_code=422)
    return see_other(f"/recommendations/{added.code}")


def _page(request: Request, session: Any, actor: Actor, code: str, *,
          status_form: Form | None = None, evidence_form: Form | None = None,
          status_code: int = 200) -> Response:
    locale = locale_of(request)
    shown = service.show_recommendation(session, actor=actor, code=code, language=locale)
    figures = (service.compute_indicators(session, actor=actor, code=shown.code,
                                          language=locale)
               if actor.can("aggregate.read") else None)
    return render(
        request, "recommendations/recommendation.html", status_code=status_code,
        recommendation=shown, figures=figures,
        translated=shown.translations.get(locale) if locale != "en" else None,
        links=evidence_links(session, actor=actor, items=shown.evidence_list),
        kind_label=lambda kind: vocabularies.label("evidence_kind", kind, locale),
        can_write=actor.can("advocacy.write"), statuses=_labels("status", locale),
        kinds=_labels("evidence_kind", locale),
        status_form=status_form or Form(values={"status": shown.status or ""}),
        evidence_form=evidence_form or Form())


@router.get("/recommendations/{code}")
def recommendation_page(request: Request, code: str, actor: ActorDep,
                        session: SessionDep) -> Response:
    return _page(request, session, actor, code)


@router.post("/recommendations/{code}/status")
async def recommendation_status(request: Request, code: str, actor: Writer,
                                session: SessionDep) -> Response:
    judged, form = submit(
        session, STATUS_FORM, await form_values(request),
        lambda data: service.record_status(session, actor=actor, code=code, data=data),
        default="status")
    if judged is None:
        return _page(request, session, actor, code, status_form=form, status_code=422)
    return see_other(f"/recommendations/{normal_code(code)}#history")


@router.post("/recommendations/{code}/evidence")
async def recommendation_evidence(request: Request, code: str, actor: Writer,
                                  session: SessionDep) -> Response:
    attached, form = submit(
        session, EVIDENCE_FORM, await form_values(request),
        lambda data: service.add_evidence(session, actor=actor, code=code, data=data),
        default="object_id", refusals={EvidenceNotFound: ("object_id", UNKNOWN_EVIDENCE)})
    if attached is None:
        return _page(request, session, actor, code, evidence_form=form, status_code=422)
    return see_other(f"/recommendations/{normal_code(code)}#evidence")


# ---- API ----

@router.get("/api/v1/recommendations", response_model=api.Page[RecommendationSummary],
            responses=api.PROBLEMS)
def api_recommendations(request: Request, actor: ActorDep, session: SessionDep,
                        page: api.PageDep, status: str | None = None,
                        addressee: str | None = None,
                        issuer: str | None = None) -> api.Page[RecommendationSummary]:
    """Recommendations by code with their current status; filters: status (a status term, or
    ``not_judged``), addressee and issuer (contains, any case)."""
    found = service.list_recommendations(session, actor=actor, status=text(status),
                                         addressee=text(addressee), issuer=text(issuer),
                                         language=locale_of(request))
    return api.make_page(request, found[page.offset:page.offset + page.limit], page,
                         len(found))


@router.post("/api/v1/recommendations", response_model=RecommendationOut, status_code=201,
             responses=api.PROBLEMS, dependencies=[needs("advocacy.write")])
def api_add_recommendation(request: Request, body: RecommendationIn, actor: ActorDep,
                           session: SessionDep) -> RecommendationOut:
    """Add a recommendation (its code must be new)."""
    service.add_recommendation(session, actor=actor, data=body)
    return service.show_recommendation(session, actor=actor, code=body.code,
                                       language=locale_of(request))


@router.get("/api/v1/recommendations/{code}", response_model=RecommendationOut,
            responses=api.PROBLEMS)
def api_recommendation(request: Request, code: str, actor: ActorDep,
                       session: SessionDep) -> RecommendationOut:
    """One recommendation: every status judgement (oldest first) with who and why, its
    evidence, and its citation when it comes from a shipped catalogue."""
    return service.show_recommendation(session, actor=actor, code=code,
                                       language=locale_of(request))


@router.get("/api/v1/recommendations/{code}/indicators", response_model=IndicatorsOut,
            responses=api.PROBLEMS)
def api_indicators(request: Request, code: str, actor: ActorDep, session: SessionDep,
                   indicator: Annotated[list[str] | None, Query(
                       description="Only this indicator (repeatable).")] = None,
                   since: dt.date | None = None, until: Year = None,
                   province: str | None = None) -> IndicatorsOut:
    """Documented acts since the recommendation (or ``since``), up to year ``until``, in
    ``province``: the indicators that bear on it, or those named."""
    return service.compute_indicators(session, actor=actor, code=code, names=indicator,
                                      since=since, until=until, province=text(province),
                                      language=locale_of(request))


@router.post("/api/v1/recommendations/{code}/status", response_model=StatusOut,
             status_code=201, responses=api.PROBLEMS, dependencies=[needs("advocacy.write")])
def api_status(code: str, body: StatusIn, actor: ActorDep,
               session: SessionDep) -> StatusOut:
    """Record a judgement of how far the recommendation is implemented, with the reason; it
    becomes the current status and earlier judgements stay."""
    return service.record_status(session, actor=actor, code=code, data=body)


@router.post("/api/v1/recommendations/{code}/evidence", response_model=EvidenceOut,
             status_code=201, responses=api.PROBLEMS, dependencies=[needs("advocacy.write")])
def api_evidence(code: str, body: EvidenceIn, actor: ActorDep,
                 session: SessionDep) -> EvidenceOut:
    """Attach an incident, act or stored estimate (it must exist; an unknown id is refused
    naming ``object_id``)."""
    try:
        return service.add_evidence(session, actor=actor, code=code, data=body)
    except EvidenceNotFound as error:
        raise InvalidInput(f"object_id: {error}") from None
