"""Reads the incident pages and the acts API need beyond ``incidents.service``: a page of
incidents with a province filter, an offset and a total; a page of acts; the places to put on
the map.

``incidents.service.list_incidents`` has no province filter and no offset, and there is no
list of acts at all. The queries here use the incidents domain's own pieces (its vocabulary
checks, its gazetteer cache, its output builders ``incidents.views``) and check the policy
(``incident.read``) like a service; they belong in the incidents domain and stay here, read-only,
until they move.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import ColumnElement, extract, func, or_, select
from sqlalchemy.orm import Session

from surplace.access.policy import Actor, require
from surplace.incidents import refs, views
from surplace.incidents.models import Act, Incident
from surplace.incidents.schemas import ActOut, IncidentSummary
from surplace.incidents.vocabularies import check
from surplace.records.models import Place


@dataclass(frozen=True)
class IncidentFilters:
    act_type: str | None = None
    year: int | None = None
    province: str | None = None
    monitoring_status: str | None = None

    def checked(self) -> IncidentFilters:
        return IncidentFilters(
            act_type=None if self.act_type is None else check("act_type", self.act_type,
                                                               field="act_type"),
            year=self.year, province=self.province,
            monitoring_status=None if self.monitoring_status is None else check(
                "monitoring_status", self.monitoring_status, field="monitoring_status"))


T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int
    offset: int
    limit: int


@dataclass(frozen=True)
class MapPoint:
    code: str
    names: dict[str, str]
    latitude: float
    longitude: float
    count: int


def _gazetteer(session: Session, place_ids: Iterable[str | None]) -> refs.Gazetteer:
    """The incidents domain's gazetteer cache holding only the places named: a page of
    incidents needs their few places, not the whole gazetteer with every name and alias (any
    other place asked for is still read when asked for)."""
    wanted = {place_id for place_id in place_ids if place_id is not None}
    return refs.Gazetteer(session, {place.id: place for place in session.scalars(
        select(Place).where(Place.id.in_(wanted)))} if wanted else {})


def _province_places(session: Session, province: str) -> list[str]:
    """Ids of every place in a province (the province given by any name or code)."""
    gazetteer = refs.Gazetteer(session)
    place = refs.place(session, province, field_name="province")
    wanted = gazetteer.province(None if place is None else place.id)
    return [str(pid) for pid in session.scalars(select(Place.id))
            if gazetteer.province(str(pid)) == wanted]


def _incident_conditions(session: Session, filters: IncidentFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    acts = select(Act.incident_id)
    if filters.act_type is not None:
        acts = acts.where(Act.act_type == filters.act_type)
    if filters.year is not None:
        acts = acts.where(extract("year", Act.act_date) == filters.year)
    if filters.act_type is not None or filters.year is not None:
        conditions.append(Incident.id.in_(acts))
    if filters.province is not None:
        places = _province_places(session, filters.province) or [""]
        conditions.append(or_(Incident.place_id.in_(places), Incident.id.in_(
            select(Act.incident_id).where(Act.place_id.in_(places)))))
    if filters.monitoring_status is not None:
        conditions.append(Incident.monitoring_status == filters.monitoring_status)
    return conditions


def incident_page(session: Session, *, actor: Actor, filters: IncidentFilters,
                  offset: int = 0, limit: int = 50) -> Page[IncidentSummary]:
    """A page of incidents, newest first (``list_incidents``'s order), with the total."""
    require(actor, "incident.read")
    checked = filters.checked()
    conditions = _incident_conditions(session, checked)
    total = session.scalar(select(func.count()).select_from(Incident).where(*conditions)) or 0
    query = (select(Incident).where(*conditions)
             .order_by(Incident.start_date.is_(None), Incident.start_date.desc(),
                       Incident.created_at.desc(), Incident.id)
             .offset(offset).limit(limit))
    incidents = list(session.scalars(query))
    by_incident: dict[str, list[Act]] = {incident.id: [] for incident in incidents}
    if by_incident:
        for act in session.scalars(select(Act).where(Act.incident_id.in_(list(by_incident)))):
            by_incident[act.incident_id].append(act)
    gazetteer = _gazetteer(session, [incident.place_id for incident in incidents])
    return Page([views.summary(incident, by_incident[incident.id], gazetteer)
                 for incident in incidents], int(total), offset, limit)


def act_page(session: Session, *, actor: Actor, filters: IncidentFilters, offset: int = 0,
             limit: int = 50) -> Page[ActOut]:
    """A page of acts (clear columns, perpetrators and sources; no sealed text), oldest
    first."""
    require(actor, "incident.read")
    checked = filters.checked()
    conditions: list[ColumnElement[bool]] = []
    if checked.act_type is not None:
        conditions.append(Act.act_type == checked.act_type)
    if checked.year is not None:
        conditions.append(extract("year", Act.act_date) == checked.year)
    if checked.province is not None:
        conditions.append(Act.place_id.in_(_province_places(session, checked.province)
                                           or [""]))
    if checked.monitoring_status is not None:
        conditions.append(Act.incident_id.in_(select(Incident.id).where(
            Incident.monitoring_status == checked.monitoring_status)))
    total = session.scalar(select(func.count()).select_from(Act).where(*conditions)) or 0
    acts = list(session.scalars(select(Act).where(*conditions)
                                .order_by(Act.act_date.is_(None), Act.act_date, Act.id)
                                .offset(offset).limit(limit)))
    return Page(views.acts_out(session, acts, refs.Gazetteer(session)), int(total), offset,
                limit)


def count_incidents(session: Session, *, actor: Actor) -> int:
    require(actor, "incident.read")
    return int(session.scalar(select(func.count()).select_from(Incident)) or 0)


def _located(session: Session) -> dict[str, tuple[float, float]]:
    """Coordinates of every place: its own, or else the mean of the places inside it that have
    some (a province or country has none of its own in the gazetteer). Only the four columns
    it walks are read, not whole places."""
    places = session.execute(select(Place.id, Place.parent_id, Place.latitude,
                                    Place.longitude)).all()
    own = {p.id: (p.latitude, p.longitude) for p in places
           if p.latitude is not None and p.longitude is not None}
    children: dict[str, list[tuple[float, float]]] = {}
    parents = {p.id: p.parent_id for p in places}
    for place_id, where in own.items():
        parent = parents.get(place_id)
        seen: set[str] = set()
        while parent is not None and parent not in seen:
            seen.add(parent)
            children.setdefault(parent, []).append(where)
            parent = parents.get(parent)
    located: dict[str, tuple[float, float]] = {
        pid: (float(lat), float(lon)) for pid, (lat, lon) in own.items()
        if lat is not None and lon is not None}
    for pid, points in children.items():
        if pid not in located and points:
            located[pid] = (sum(p[0] for p in points) / len(points),
                            sum(p[1] for p in points) / len(points))
    return located


def map_points(session: Session, *, actor: Actor, filters: IncidentFilters | None = None,
               incident_id: str | None = None) -> tuple[list[MapPoint], int]:
    """Places of the incidents passing ``filters`` (or of one incident's acts) with how many
    incidents (acts) each holds; second value: how many could not be placed."""
    require(actor, "incident.read")
    counts: Counter[str | None] = Counter()
    if incident_id is not None:
        for (place_id,) in session.execute(select(Act.place_id).where(
                Act.incident_id == incident_id)):
            counts[place_id] += 1
        if not counts:
            counts[session.scalar(select(Incident.place_id).where(
                Incident.id == incident_id))] += 1
    else:
        conditions = _incident_conditions(session, (filters or IncidentFilters()).checked())
        # An incident without a place of its own is put at its first act's: asked per such
        # incident (the act's index answers), not grouped over every act of the store.
        first_act = (select(func.min(Act.place_id)).where(Act.incident_id == Incident.id)
                     .correlate(Incident).scalar_subquery())
        placed = func.coalesce(Incident.place_id, first_act)
        query = select(placed, func.count()).where(*conditions).group_by(placed)
        for place_id, count in session.execute(query):
            counts[place_id] += int(count)
    located = _located(session)
    places = {p.id: p for p in session.scalars(select(Place).where(
        Place.id.in_([pid for pid in counts if pid is not None] or [""])))}
    points, unplaced = [], 0
    for place_id, count in counts.items():
        where = located.get(place_id or "")
        place = places.get(place_id or "")
        if where is None or place is None:
            unplaced += count
            continue
        points.append(MapPoint(code=place.code,
                               names={"en": place.name_en, "ko": place.name_ko or place.name_en,
                                      "zh": place.name_zh or place.name_en},
                               latitude=where[0], longitude=where[1], count=count))
    return sorted(points, key=lambda p: (-p.count, p.code)), unplaced
