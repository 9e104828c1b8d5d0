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

import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

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
    # Each line's place code comes with it (a page shows a few places' codes, not the whole
    # gazetteer with every name and alias).
    query = (select(Incident, Place.code).outerjoin(Place, Place.id == Incident.place_id)
             .where(*conditions)
             .order_by(Incident.start_date.is_(None), Incident.start_date.desc(),
                       Incident.created_at.desc(), Incident.id)
             .offset(offset).limit(limit))
    lines = session.execute(query).all()
    # A line shows its acts' count and types: those two columns are read, not whole acts.
    act_types: dict[str, list[str]] = {incident.id: [] for incident, _ in lines}
    if act_types:
        for incident_id, act_type in session.execute(select(Act.incident_id, Act.act_type)
                                                     .where(Act.incident_id.in_(list(act_types)))):
            act_types[incident_id].append(act_type)
    return Page([views.summary_of(incident, act_types[incident.id], code)
                 for incident, code in lines], int(total), offset, limit)


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


@dataclass(frozen=True)
class _Located:
    """A place as the map draws it: its code, names and coordinates (its own, or the mean of
    the places inside it)."""

    code: str
    names: dict[str, str]
    latitude: float
    longitude: float


#: The located places of each store (by its URL), with the gazetteer version they were
#: computed from. Kept here rather than in a caching library: the whole cache is one dict and
#: one version query, and the version is what a library would not know.
_LOCATED: dict[str, tuple[tuple[Any, ...], dict[str, _Located]]] = {}
_LOCATED_LOCK = threading.Lock()
_LOCATED_STORES = 8


def _gazetteer_version(session: Session) -> tuple[Any, ...]:
    """What changes whenever the located places could: places are only ever added (by
    seeding, which also fills coordinates a place lacked) and never renamed or moved under
    another parent, so their number, their coordinates' count and sums, and the lowest and
    highest id (random: another store, or the same URL rebuilt, has others) tell a changed
    gazetteer from the one computed."""
    return tuple(session.execute(select(
        func.count(), func.count(Place.latitude), func.sum(Place.latitude),
        func.sum(Place.longitude), func.min(Place.id), func.max(Place.id))).one())


def _located(session: Session) -> dict[str, _Located]:
    """Every place that can be drawn, computed once per gazetteer version of a store: walking
    the whole gazetteer on every incident list cost more than the rest of the map."""
    store = session.get_bind().engine.url.render_as_string(hide_password=True)
    version = _gazetteer_version(session)
    with _LOCATED_LOCK:
        cached = _LOCATED.get(store)
    if cached is not None and cached[0] == version:
        return cached[1]
    located = _locate(session)
    with _LOCATED_LOCK:
        _LOCATED.pop(store, None)
        while len(_LOCATED) >= _LOCATED_STORES:  # a test run opens many stores
            _LOCATED.pop(next(iter(_LOCATED)))
        _LOCATED[store] = (version, located)
    return located


def _locate(session: Session) -> dict[str, _Located]:
    """Coordinates of every place: its own, or else the mean of the places inside it that have
    some (a province or country has none of its own in the gazetteer)."""
    places = session.execute(select(Place.id, Place.code, Place.parent_id, Place.name_en,
                                    Place.name_ko, Place.name_zh, Place.latitude,
                                    Place.longitude)).all()
    own = {p.id: (float(p.latitude), float(p.longitude)) for p in places
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
    coordinates = dict(own)
    for pid, points in children.items():
        if pid not in coordinates and points:
            coordinates[pid] = (sum(p[0] for p in points) / len(points),
                                sum(p[1] for p in points) / len(points))
    return {p.id: _Located(code=p.code,
                           names={"en": p.name_en, "ko": p.name_ko or p.name_en,
                                  "zh": p.name_zh or p.name_en},
                           latitude=coordinates[p.id][0], longitude=coordinates[p.id][1])
            for p in places if p.id in coordinates}


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
    points, unplaced = [], 0
    for place_id, count in counts.items():
        place = located.get(place_id or "")
        if place is None:
            unplaced += count
            continue
        points.append(MapPoint(code=place.code, names=dict(place.names),
                               latitude=place.latitude, longitude=place.longitude, count=count))
    return sorted(points, key=lambda p: (-p.count, p.code)), unplaced
