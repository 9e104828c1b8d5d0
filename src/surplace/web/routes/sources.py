"""Source pages and the sources and records API.

A source is shown by its code, kind and reliability grade to anyone who reads sources; its
name, contact and description (an informant's name is as dangerous as a victim's) only to
roles that read identities (``records.sources.show_source`` decides). Its records are listed
with their clear statistical columns; a record's payload, the observation as the source gave
it, is opened only for identity roles, each opening audited.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from surplace.errors import InvalidInput
from surplace.records.sources import SourceOut, list_sources, show_source
from surplace.web import api
from surplace.web.deps import ActorDep, SessionDep
from surplace.web.templating import render
from surplace.web.views_common import (
    PAGE_SIZE,
    Pager,
    Year,
    error_field,
    locale_of,
    offset_of,
    query_without,
    roles_with,
    term_labeller,
    text,
)
from surplace.web.views_records import RecordOut, get_record, record_page, year

router = APIRouter()

_READ = roles_with("source.read")
ACCESS: dict[str, frozenset[str]] = {
    "GET /sources": _READ,
    "GET /sources/{source_code}": _READ,
    "GET /api/v1/sources": _READ,
    "GET /api/v1/sources/{source_code}": _READ,
    "GET /api/v1/records": _READ,
    "GET /api/v1/records/{record_id}": _READ,
}

_FIELDS = ("event_year", "sex", "province")


@router.get("/sources")
def sources(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    return render(request, "sources/list.html", sources=list_sources(session, actor=actor),
                  term=term_labeller(locale_of(request)))


@router.get("/sources/{source_code}")
def source(request: Request, source_code: str, actor: ActorDep, session: SessionDep,
           event_year: str | None = None, sex: str | None = None,
           province: str | None = None, offset: str | None = None) -> Response:
    shown = show_source(session, actor=actor, code=source_code)
    values = {"event_year": text(event_year), "sex": text(sex), "province": text(province)}
    start = offset_of(offset)
    errors: dict[str, str] = {}
    records: list[RecordOut] = []
    total = 0
    try:
        records, total = record_page(session, actor=actor, source=shown.code,
                                     event_year=year(values["event_year"], "event_year"),
                                     sex=values["sex"], province=values["province"],
                                     offset=start, limit=PAGE_SIZE)
    except InvalidInput as error:
        errors[error_field(str(error), _FIELDS, "event_year")] = str(error)
    return render(request, "sources/source.html", source=shown, records=records,
                  pager=Pager(start, PAGE_SIZE, total), values=values, errors=errors,
                  payloads=actor.can("identity.read"), term=term_labeller(locale_of(request)),
                  page_query=lambda **changes: query_without(request, "offset", **changes))


# ---- API ----

@router.get("/api/v1/sources", response_model=api.Page[SourceOut], responses=api.PROBLEMS)
def api_sources(request: Request, actor: ActorDep, session: SessionDep,
                page: api.PageDep) -> api.Page[SourceOut]:
    """Sources by code, with kind and reliability grade (nothing sealed)."""
    every = list_sources(session, actor=actor)
    return api.make_page(request, every[page.offset:page.offset + page.limit], page,
                         len(every))


@router.get("/api/v1/sources/{source_code}", response_model=SourceOut, responses=api.PROBLEMS)
def api_source(source_code: str, actor: ActorDep, session: SessionDep) -> SourceOut:
    """One source; its name, contact and description only for roles that read identities."""
    return show_source(session, actor=actor, code=source_code)


@router.get("/api/v1/records", response_model=api.Page[RecordOut], responses=api.PROBLEMS)
def api_records(request: Request, actor: ActorDep, session: SessionDep, page: api.PageDep,
                source: str | None = None, event_year: Year = None,
                sex: str | None = None, province: str | None = None) -> api.Page[RecordOut]:
    """Records, newest first; filters: source (code), event_year, sex, province (ISO 3166-2).
    ``payload`` is filled for roles that read identities only."""
    found, total = record_page(session, actor=actor, source=text(source), event_year=event_year,
                               sex=text(sex), province=text(province), offset=page.offset,
                               limit=page.limit)
    return api.make_page(request, found, page, total)


@router.get("/api/v1/records/{record_id}", response_model=RecordOut, responses=api.PROBLEMS)
def api_record(record_id: str, actor: ActorDep, session: SessionDep) -> RecordOut:
    return get_record(session, actor=actor, record_id=record_id)
