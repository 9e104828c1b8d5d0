"""Estimate pages and the estimates API: the stored estimates, running one on the store's lists,
and an estimate's figures (the posterior of N and the list overlaps) as images.

Thin over :mod:`surplace.estimation.runs`, which counts through the linkage and incidents
domains, runs :func:`surplace.estimation.service.estimate` and stores the result; everything
here is an aggregate (``aggregate.read``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from surplace.errors import InvalidInput
from surplace.estimation import runs
from surplace.estimation.runs import EstimateRunOut
from surplace.incidents.vocabularies import terms
from surplace.web import api
from surplace.web.deps import ActorDep, SessionDep
from surplace.web.i18n import N_
from surplace.web.listing import ListPage
from surplace.web.templating import render
from surplace.web.views_common import (
    error_field,
    integer,
    locale_of,
    roles_with,
    term_labeller,
    text,
)
from surplace.web.views_records import year

router = APIRouter()

_READ = roles_with("aggregate.read")
ACCESS: dict[str, frozenset[str]] = {
    "GET /estimates": _READ,
    "POST /estimates": _READ,
    "GET /estimates/{run_id}": _READ,
    "GET /estimates/{run_id}/posterior.png": _READ,
    "GET /estimates/{run_id}/overlaps.png": _READ,
    "GET /api/v1/estimates": _READ,
    "GET /api/v1/estimates/{run_id}": _READ,
}

_FIELDS = ("subject", "method", "act_type", "year", "province", "sources", "seed")
#: Cache figures briefly in the browser: a stored estimate never changes.
_IMAGE_HEADERS = {"Cache-Control": "private, max-age=3600"}


def _list(request: Request, session: Any, actor: Any, *, values: dict[str, str],
          errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    listing = ListPage.of(request)
    found = runs.list_runs(session, actor=actor, limit=listing.size, offset=listing.start)
    total = runs.count_runs(session, actor=actor)
    return render(request, "estimates/list.html", status_code=status_code, runs=found,
                  **listing.pager(total), values=values, errors=errors or {},
                  subjects=runs.SUBJECTS, methods=runs.RUN_METHODS,
                  act_types=list(terms("act_type")), term=term_labeller(locale_of(request)))


@router.get("/estimates")
def estimates(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    return _list(request, session, actor, values={"subject": "acts", "method": "all"})


@router.post("/estimates")
async def run_estimate(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    form = await request.form()
    values = {key: str(form.get(key) or "").strip() for key in _FIELDS}
    errors: dict[str, str] = {}
    if values["subject"] not in runs.SUBJECTS:
        errors["subject"] = N_("Choose what to count.")
    if values["method"] not in runs.RUN_METHODS:
        errors["method"] = N_("Choose a method from the list.")
    try:
        found_year = year(values["year"], "year")
    except InvalidInput as error:
        errors["year"], found_year = str(error), None
    try:
        seed = integer(values["seed"], "seed", low=0, high=2**32 - 1)
    except InvalidInput as error:
        errors["seed"], seed = str(error), None
    if errors:
        return _list(request, session, actor, values=values, errors=errors, status_code=422)
    sources = [code.strip().upper() for code in values["sources"].split(",") if code.strip()]
    try:
        with session.begin_nested():  # a refusal undoes only this attempt
            stored = runs.run_from_store(
                session, actor=actor, subject=values["subject"], method=values["method"],
                seed=seed, sources=sources or None, act_type=text(values["act_type"]),
                year=found_year, province=text(values["province"]))
    except InvalidInput as error:
        errors[error_field(str(error), _FIELDS, "subject")] = str(error)
        return _list(request, session, actor, values=values, errors=errors, status_code=422)
    return RedirectResponse(f"/estimates/{stored[0].id}", status_code=303)


@router.get("/estimates/{run_id}")
def estimate(request: Request, run_id: str, actor: ActorDep, session: SessionDep) -> Response:
    shown = runs.get_run(session, actor=actor, run_id=run_id)
    batch = runs.batch_of(session, actor=actor, run_id=run_id)
    return render(request, "estimates/estimate.html", run=shown, batch=batch,
                  posteriors=[row for row in batch if row.has_posterior],
                  term=term_labeller(locale_of(request)))


@router.get("/estimates/{run_id}/posterior.png")
def posterior(run_id: str, actor: ActorDep, session: SessionDep) -> Response:
    figure = runs.posterior_figure(session, actor=actor, run_id=run_id)
    return Response(figure.content, media_type=figure.media_type, headers=_IMAGE_HEADERS)


@router.get("/estimates/{run_id}/overlaps.png")
def overlaps(run_id: str, actor: ActorDep, session: SessionDep) -> Response:
    figure = runs.overlaps_figure(session, actor=actor, run_id=run_id)
    return Response(figure.content, media_type=figure.media_type, headers=_IMAGE_HEADERS)


# ---- API ----

@router.get("/api/v1/estimates", response_model=api.Page[EstimateRunOut],
            responses=api.PROBLEMS)
def api_estimates(request: Request, actor: ActorDep, session: SessionDep, page: api.PageDep,
                  subject: str | None = None,
                  method: str | None = None) -> api.Page[EstimateRunOut]:
    """Stored estimates, newest first; filters: subject (persons, acts, file), method."""
    found = runs.list_runs(session, actor=actor, subject=text(subject), method=text(method),
                           limit=page.limit, offset=page.offset)
    total = runs.count_runs(session, actor=actor, subject=text(subject), method=text(method))
    return api.make_page(request, found, page, total)


@router.get("/api/v1/estimates/{run_id}", response_model=EstimateRunOut, responses=api.PROBLEMS)
def api_estimate(run_id: str, actor: ActorDep, session: SessionDep) -> EstimateRunOut:
    return runs.get_run(session, actor=actor, run_id=run_id)
