"""Aggregate tables and published tables — pages and API.

- ``/aggregates``: the standard tables (:mod:`surplace.io.export.tables`) made now, always with
  disclosure control, for roles that read aggregates; a role that publishes freezes the table
  shown into a published snapshot (``POST /aggregates/publish``).
- ``/published``: the snapshots, for every role (viewers read aggregates only this way); the
  publisher or an administrator withdraws one.

Thin over :mod:`surplace.io.export.published`, which checks the policy and writes the audit
entries; a suppressed cell reaches the page as ``None`` and is drawn as a mark.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from surplace.access.policy import Actor
from surplace.errors import InvalidInput
from surplace.incidents.vocabularies import terms as act_terms
from surplace.io.export import published
from surplace.io.export.published import AggregateTableOut, PublishedOut, PublishedSummary
from surplace.io.export.tables import TABLES, TableQuery
from surplace.records.vocabularies import terms as record_terms
from surplace.web import api
from surplace.web.deps import ActorDep, SessionDep, requires
from surplace.web.forms import see_other
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

router = APIRouter()

_READ = roles_with("aggregate.read")
_PUBLISH = roles_with("aggregate.read", "aggregate.publish")
_PUBLISHED = roles_with("aggregate.published.read")
_WITHDRAW = roles_with("aggregate.published.read", "aggregate.publish")
ACCESS: dict[str, frozenset[str]] = {
    "GET /aggregates": _READ,
    "POST /aggregates/publish": _PUBLISH,
    "GET /api/v1/aggregates/{table}": _READ,
    "GET /published": _PUBLISHED,
    "GET /published/{published_id}": _PUBLISHED,
    "POST /published/{published_id}/withdraw": _WITHDRAW,
    "GET /api/v1/published": _PUBLISHED,
    "GET /api/v1/published/{published_id}": _PUBLISHED,
}

FILTERS = ("table", "year_from", "year_to", "province", "act_type")
FIELDS = (*FILTERS, "title")
#: Each table's description in the catalogues' words (the service keeps them in English).
LABELS = {
    "acts-by-year-type": N_("Documented acts by year and act type"),
    "acts-by-province": N_("Documented acts by province of the place"),
    "acts-by-sex": N_("Documented acts by the victim's sex"),
    "persons-by-year-province": N_("Linked persons by first year seen and province of origin"),
}
DONE = {"published": N_("The table was published; every role can read it now."),
        "withdrawn": N_("The table was withdrawn; readers no longer see it.")}

Publisher = Annotated[Actor, Depends(requires("aggregate.publish"))]


def _values(source: Any) -> dict[str, str]:
    return {key: str(source.get(key) or "").strip() for key in FIELDS}


def _query(values: dict[str, str]) -> TableQuery:
    """The filters of a form or query string; a bad year is refused naming its field."""
    return TableQuery(
        year_from=integer(values.get("year_from"), "year_from", low=1900, high=2100),
        year_to=integer(values.get("year_to"), "year_to", low=1900, high=2100),
        province=text(values.get("province")), act_type=text(values.get("act_type")))


def _aggregates_page(request: Request, session: Session, actor: Actor, values: dict[str, str],
                     *, errors: dict[str, str] | None = None,
                     status_code: int = 200) -> Response:
    errors = dict(errors or {})
    table: AggregateTableOut | None = None
    if not values.get("table"):
        values["table"] = next(iter(TABLES))
    try:
        table = published.aggregate_table(session, actor=actor, table=values["table"],
                                          query=_query(values))
    except InvalidInput as error:
        errors.setdefault(error_field(str(error), FILTERS, "table"), str(error))
    return render(request, "aggregates/index.html",
                  status_code=422 if errors and status_code == 200 else status_code,
                  table=table, values=values, errors=errors, tables=TABLES, labels=LABELS,
                  provinces=list(record_terms("province")), act_types=list(act_terms("act_type")),
                  term=term_labeller(locale_of(request)),
                  can_publish=actor.can("aggregate.publish"))


@router.get("/aggregates")
def aggregates_page(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    return _aggregates_page(request, session, actor, _values(request.query_params))


@router.post("/aggregates/publish")
async def publish(request: Request, actor: Publisher, session: SessionDep) -> Response:
    values = _values(await request.form())
    try:
        with session.begin_nested():  # a refusal undoes only this attempt
            made = published.publish_table(session, actor=actor, table=values["table"],
                                           title=values["title"], query=_query(values))
    except InvalidInput as error:
        return _aggregates_page(request, session, actor, values, status_code=422,
                                errors={error_field(str(error), FIELDS, "title"): str(error)})
    return see_other(f"/published/{made.id}?done=published")


@router.get("/published")
def published_list(request: Request, actor: ActorDep, session: SessionDep,
                   done: str | None = None) -> Response:
    listing = ListPage.of(request)
    rows, total = published.list_published(session, actor=actor, limit=listing.size,
                                           offset=listing.start)
    return render(request, "aggregates/published_list.html", rows=rows, labels=LABELS,
                  **listing.pager(total), done=DONE.get(done or ""),
                  can_make=actor.can("aggregate.read"), term=term_labeller(locale_of(request)))


@router.get("/published/{published_id}")
def published_page(request: Request, published_id: str, actor: ActorDep, session: SessionDep,
                   done: str | None = None) -> Response:
    shown = published.show_published(session, actor=actor, published_id=published_id)
    return render(request, "aggregates/published.html", item=shown, table=shown.as_table(),
                  labels=LABELS, done=DONE.get(done or ""),
                  term=term_labeller(locale_of(request)))


@router.post("/published/{published_id}/withdraw")
def withdraw(published_id: str, actor: Publisher, session: SessionDep) -> Response:
    published.withdraw(session, actor=actor, published_id=published_id)
    return see_other("/published?done=withdrawn")


# ---- API ----

Province = Annotated[str | None, Query(max_length=16, description="A province code (CN-JL).")]
ActType = Annotated[str | None, Query(max_length=48, description="An act type code.")]
PeriodYear = Annotated[int | None, Query(ge=1900, le=2100, description="A year, 1900–2100.")]


@router.get("/api/v1/aggregates/{table}", response_model=AggregateTableOut,
            responses=api.PROBLEMS)
def api_aggregate(table: Annotated[str, Path(max_length=64)], actor: ActorDep,
                  session: SessionDep,
                  year_from: PeriodYear = None, year_to: PeriodYear = None,
                  province: Province = None, act_type: ActType = None) -> AggregateTableOut:
    """A standard table made now with disclosure control (a suppressed cell's count is null;
    zero cells are published; each ``total`` is the sum of its cells). Tables:
    acts-by-year-type, acts-by-province, acts-by-sex, persons-by-year-province."""
    return published.aggregate_table(
        session, actor=actor, table=table,
        query=TableQuery(year_from, year_to, text(province), text(act_type)))


@router.get("/api/v1/published", response_model=api.Page[PublishedSummary],
            responses=api.PROBLEMS)
def api_published_list(request: Request, actor: ActorDep, session: SessionDep,
                       page: api.PageDep) -> api.Page[PublishedSummary]:
    """Published tables (not withdrawn), newest first."""
    rows, total = published.list_published(session, actor=actor, limit=page.limit,
                                           offset=page.offset)
    return api.make_page(request, rows, page, total)


@router.get("/api/v1/published/{published_id}", response_model=PublishedOut,
            responses=api.PROBLEMS)
def api_published(published_id: str, actor: ActorDep, session: SessionDep) -> PublishedOut:
    """One published table with its cells (a suppressed cell's count is null)."""
    return published.show_published(session, actor=actor, published_id=published_id)
