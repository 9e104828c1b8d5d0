"""Incident pages and the incidents and acts API.

The list filters by act type, year, province and monitoring status and shows the incidents'
places on a map drawn on the server from the gazetteer's coordinates; an incident's page lists
its acts with their victims by pseudonym (never a name: the incident views carry pseudonyms
only), perpetrators, the sources that describe each act and how reliable they are (Admiralty
grade), and its own map. ``incident.read`` is the policy's rule for all of it.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from surplace.errors import InvalidInput
from surplace.incidents import service as incident_service
from surplace.incidents.schemas import ActOut, IncidentOut, IncidentSummary
from surplace.incidents.vocabularies import terms
from surplace.web import api
from surplace.web.deps import ActorDep, SessionDep
from surplace.web.i18n import N_, translator
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
from surplace.web.views_incidents import (
    IncidentFilters,
    MapPoint,
    act_page,
    incident_page,
    map_points,
)
from surplace.web.views_records import year as parse_year
from surplace.web.views_svg import Spot, place_map

router = APIRouter()

_READ = roles_with("incident.read")
ACCESS: dict[str, frozenset[str]] = {
    "GET /incidents": _READ,
    "GET /incidents/{incident_id}": _READ,
    "GET /api/v1/incidents": _READ,
    "GET /api/v1/incidents/{incident_id}": _READ,
    "GET /api/v1/acts": _READ,
    "GET /api/v1/acts/{act_id}": _READ,
}

_FIELDS = ("act_type", "year", "province", "monitoring_status")


def _map(request: Request, points: list[MapPoint], unplaced: int) -> dict[str, Any]:
    locale = locale_of(request)
    gettext = translator(getattr(request.app.state, "catalogues", {}), locale)
    spots = [Spot(code=p.code, name=p.names.get(locale) or p.names["en"], latitude=p.latitude,
                  longitude=p.longitude, count=p.count) for p in points]
    return {"map": place_map(spots, title=gettext(N_("Places of the incidents")),
                             count_label=gettext(N_("incidents"))),
            "unplaced": unplaced}


@router.get("/incidents")
def incidents(request: Request, actor: ActorDep, session: SessionDep,
              act_type: str | None = None, year: str | None = None,
              province: str | None = None, monitoring_status: str | None = None,
              offset: str | None = None) -> Response:
    values = {"act_type": text(act_type), "year": text(year), "province": text(province),
              "monitoring_status": text(monitoring_status)}
    start = offset_of(offset)
    errors: dict[str, str] = {}
    found: list[IncidentSummary] = []
    total = 0
    drawn: dict[str, Any] = {"map": "", "unplaced": 0}
    try:
        filters = IncidentFilters(act_type=values["act_type"],
                                  year=parse_year(values["year"], "year"),
                                  province=values["province"],
                                  monitoring_status=values["monitoring_status"])
        page = incident_page(session, actor=actor, filters=filters, offset=start,
                             limit=PAGE_SIZE)
        found, total = page.items, page.total
        drawn = _map(request, *map_points(session, actor=actor, filters=filters))
    except InvalidInput as error:
        errors[error_field(str(error), _FIELDS, "act_type")] = str(error)
    return render(request, "incidents/list.html", incidents=found,
                  pager=Pager(start, PAGE_SIZE, total), errors=errors, values=values,
                  act_types=list(terms("act_type")),
                  statuses=list(terms("monitoring_status")),
                  term=term_labeller(locale_of(request)),
                  page_query=lambda **changes: query_without(request, "offset", **changes),
                  **drawn)


@router.get("/incidents/{incident_id}")
def incident(request: Request, incident_id: str, actor: ActorDep,
             session: SessionDep) -> Response:
    shown = incident_service.show_incident(session, actor=actor, incident_id=incident_id)
    drawn = _map(request, *map_points(session, actor=actor, incident_id=shown.id))
    return render(request, "incidents/incident.html", incident=shown,
                  term=term_labeller(locale_of(request)), **drawn)


# ---- API ----

def _filters(act_type: str | None, year_value: int | None, province: str | None,
             monitoring_status: str | None) -> IncidentFilters:
    return IncidentFilters(act_type=text(act_type), year=year_value, province=text(province),
                           monitoring_status=text(monitoring_status))


@router.get("/api/v1/incidents", response_model=api.Page[IncidentSummary],
            responses=api.PROBLEMS)
def api_incidents(request: Request, actor: ActorDep, session: SessionDep, page: api.PageDep,
                  act_type: str | None = None, year: Year = None,
                  province: str | None = None,
                  monitoring_status: str | None = None) -> api.Page[IncidentSummary]:
    """Incidents, newest first; filters: act_type, year (of an act), province (any place name
    or ISO 3166-2 code), monitoring_status."""
    found = incident_page(session, actor=actor,
                          filters=_filters(act_type, year, province, monitoring_status),
                          offset=page.offset, limit=page.limit)
    return api.make_page(request, found.items, page, found.total)


@router.get("/api/v1/incidents/{incident_id}", response_model=IncidentOut,
            responses=api.PROBLEMS)
def api_incident(incident_id: str, actor: ActorDep, session: SessionDep) -> IncidentOut:
    """One incident with its acts (victims by pseudonym), perpetrators, sources and
    interventions."""
    return incident_service.show_incident(session, actor=actor, incident_id=incident_id)


@router.get("/api/v1/acts", response_model=api.Page[ActOut], responses=api.PROBLEMS)
def api_acts(request: Request, actor: ActorDep, session: SessionDep, page: api.PageDep,
             act_type: str | None = None, year: Year = None,
             province: str | None = None,
             monitoring_status: str | None = None) -> api.Page[ActOut]:
    """Acts, oldest first, with perpetrators and the sources that describe them (no sealed
    text); filters as for incidents."""
    found = act_page(session, actor=actor,
                     filters=_filters(act_type, year, province, monitoring_status),
                     offset=page.offset, limit=page.limit)
    return api.make_page(request, found.items, page, found.total)


@router.get("/api/v1/acts/{act_id}", response_model=ActOut, responses=api.PROBLEMS)
def api_act(act_id: str, actor: ActorDep, session: SessionDep) -> ActOut:
    """One act with its sealed text (method, whereabouts, consequences: each read audited)."""
    return incident_service.show_act(session, actor=actor, act_id=act_id)
