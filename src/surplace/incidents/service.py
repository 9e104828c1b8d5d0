"""Incidents and acts: open an incident, add acts, perpetrators, chains and interventions; show
and list them. Claims from sources and their review are in :mod:`.claims` and :mod:`.review`;
counts and capture histories in :mod:`.counts`; the HURIDOCS export in :mod:`.esf`.

Every function takes the session (one transaction: a refusal anywhere leaves the store as it
was) and the acting user, whom the access policy checks first. Errors name rows by id.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import extract, select
from sqlalchemy.orm import Session

from surplace.access.policy import Actor, require
from surplace.cases.work_models import Intervention
from surplace.errors import InvalidInput
from surplace.incidents import refs, views
from surplace.incidents.exceptions import ActNotFound, IncidentNotFound
from surplace.incidents.models import Act, ActLink, Incident, Involvement
from surplace.incidents.schemas import (
    ActFields,
    ActIn,
    ActOut,
    ChainIn,
    ChainOut,
    IncidentIn,
    IncidentOut,
    IncidentSummary,
    InterventionIn,
    InterventionOut,
    InvolvementOut,
    PerpetratorIn,
    parse,
)
from surplace.incidents.vocabularies import check, label
from surplace.records.models import Person


def get_incident(session: Session, incident_id: str) -> Incident:
    incident = session.get(Incident, incident_id.strip())
    if incident is None:
        raise IncidentNotFound(incident_id)
    return incident


def get_act(session: Session, act_id: str) -> Act:
    act = session.get(Act, act_id.strip())
    if act is None:
        raise ActNotFound(act_id)
    return act


def add_incident(session: Session, *, actor: Actor,
                 data: IncidentIn | Mapping[str, Any]) -> IncidentSummary:
    require(actor, "incident.write")
    item = parse(IncidentIn, data)
    place = refs.place(session, item.place, field_name="place")
    incident = Incident(
        title=item.title, description=item.description, start_date=item.start_date,
        start_precision=item.start_precision, end_date=item.end_date,
        end_precision=item.end_precision,
        place_id=None if place is None else place.id, monitoring_status=item.monitoring_status,
        created_by=actor.user_id)
    session.add(incident)
    session.flush()
    return views.summary(incident, [], refs.Gazetteer(session))


def set_monitoring_status(session: Session, *, actor: Actor, incident_id: str,
                          status: str) -> None:
    require(actor, "incident.write")
    get_incident(session, incident_id).monitoring_status = check(
        "monitoring_status", status, field="monitoring_status")
    session.flush()


def new_act(session: Session, actor: Actor, item: ActFields, *, victim: Person,
            incident_id: str | None) -> Act:
    """Write an act (and an incident for it when none is named) from checked fields."""
    places = {name: refs.place(session, getattr(item, name), field_name=name)
              for name in ("place", "detention_place", "return_from_place", "crossing_point")}
    perpetrators = [(p, refs.person(session, p.person, field_name="perpetrators.person")
                     if p.person else None) for p in item.perpetrators]
    if incident_id is None:
        incident = Incident(
            title=f"{label('act_type', item.act_type)}: {victim.pseudonym}",
            start_date=item.date, start_precision=item.date_precision, end_date=item.end_date,
            end_precision="day" if item.end_date else "unknown",
            place_id=_id(places["place"]), created_by=actor.user_id)
        session.add(incident)
        session.flush()  # tables have no ORM relationships, so rows go in by flushes in order
        incident_id = incident.id
    else:
        incident_id = get_incident(session, incident_id).id
    act = Act(
        incident_id=incident_id, act_type=item.act_type, victim_id=victim.id,
        act_date=item.date, date_precision=item.date_precision, end_date=item.end_date,
        place_id=_id(places["place"]), victim_status=item.victim_status,
        detention_kind=item.detention_kind, detention_place_id=_id(places["detention_place"]),
        legal_counsel=item.legal_counsel, return_from_place_id=_id(places["return_from_place"]),
        handed_to_unit=item.handed_to_unit,
        crossing_point=None if places["crossing_point"] is None else places["crossing_point"].code,
        method=item.method, consequences=item.consequences, whereabouts=item.whereabouts)
    session.add(act)
    session.flush()
    for perpetrator, person in perpetrators:
        session.add(Involvement(act_id=act.id, unit=perpetrator.unit, degree=perpetrator.degree,
                                person_id=None if person is None else person.id))
    return act


def _id(row: Any) -> str | None:
    return None if row is None else str(row.id)


def add_act(session: Session, *, actor: Actor, data: ActIn | Mapping[str, Any]) -> ActOut:
    """An act entered by hand. It counts once a source's information is attached to it
    (:func:`surplace.incidents.claims.add_claim` with ``act_id``)."""
    require(actor, "incident.write")
    item = parse(ActIn, data)
    victim = refs.person(session, item.victim)
    act = new_act(session, actor, item, victim=victim, incident_id=item.incident_id)
    session.flush()
    return views.acts_out(session, [act], refs.Gazetteer(session))[0]


def add_involvement(session: Session, *, actor: Actor, act_id: str,
                    data: PerpetratorIn | Mapping[str, Any]) -> InvolvementOut:
    """Name a perpetrator unit or person of an act, with the degree of involvement."""
    require(actor, "incident.write")
    item = parse(PerpetratorIn, data)
    act = get_act(session, act_id)
    person = refs.person(session, item.person, field_name="person") if item.person else None
    row = Involvement(act_id=act.id, unit=item.unit, degree=item.degree,
                      person_id=None if person is None else person.id)
    session.add(row)
    session.flush()
    return InvolvementOut(id=row.id, unit=row.unit, degree=row.degree,
                          person=None if person is None else person.pseudonym)


def link_acts(session: Session, *, actor: Actor, data: ChainIn | Mapping[str, Any]) -> ChainOut:
    """One step of a chain of events (arrest → detention → handover …); no loops."""
    require(actor, "incident.write")
    item = parse(ChainIn, data)
    first, second = get_act(session, item.from_act), get_act(session, item.to_act)
    if first.id == second.id:
        raise InvalidInput("to_act: an act cannot follow itself.")
    if session.scalars(select(ActLink).where(ActLink.from_act_id == first.id,
                                             ActLink.to_act_id == second.id)).first():
        raise InvalidInput(f"to_act: act {second.id} already follows act {first.id}.")
    if _reaches(session, second.id, first.id):
        raise InvalidInput(f"to_act: act {second.id} already leads to act {first.id}; "
                           "a chain of events cannot loop.")
    session.add(ActLink(from_act_id=first.id, to_act_id=second.id, relation=item.relation))
    session.flush()
    return ChainOut(from_act=first.id, to_act=second.id, relation=item.relation)


def _reaches(session: Session, start: str, goal: str) -> bool:
    seen, frontier = {start}, [start]
    while frontier:
        nexts = set(session.scalars(select(ActLink.to_act_id).where(
            ActLink.from_act_id.in_(frontier)))) - seen
        if goal in nexts:
            return True
        seen |= nexts
        frontier = list(nexts)
    return False


def add_intervention(session: Session, *, actor: Actor,
                     data: InterventionIn | Mapping[str, Any]) -> InterventionOut:
    """Who acted on an incident, how, and with what result (shared intervention table)."""
    require(actor, "incident.write")
    item = parse(InterventionIn, data)
    incident = get_incident(session, item.incident_id)
    row = Intervention(incident_id=incident.id, kind=item.kind, actor_id=actor.user_id,
                       acting_body=item.acting_body, started_on=item.started_on,
                       status=item.status, completed_on=item.completed_on)
    row.description = item.description
    row.outcome_note = item.outcome
    session.add(row)
    session.flush()
    return views.intervention_out(row, with_text=False)


def show_incident(session: Session, *, actor: Actor, incident_id: str) -> IncidentOut:
    require(actor, "incident.read")
    return views.incident_out(session, get_incident(session, incident_id),
                              refs.Gazetteer(session))


def show_act(session: Session, *, actor: Actor, act_id: str) -> ActOut:
    require(actor, "incident.read")
    return views.acts_out(session, [get_act(session, act_id)], refs.Gazetteer(session),
                          with_text=True)[0]


def list_incidents(session: Session, *, actor: Actor, act_type: str | None = None,
                   year: int | None = None, monitoring_status: str | None = None,
                   victim: str | None = None, limit: int = 500) -> list[IncidentSummary]:
    """Incidents, newest first, optionally only those with acts of a type, in a year, or
    against one victim (id or pseudonym)."""
    require(actor, "incident.read")
    query = select(Incident)
    acts = select(Act.incident_id)
    if act_type is not None:
        acts = acts.where(Act.act_type == check("act_type", act_type, field="act_type"))
    if year is not None:
        acts = acts.where(extract("year", Act.act_date) == year)
    if victim is not None:
        acts = acts.where(Act.victim_id == refs.person(session, victim).id)
    if act_type is not None or year is not None or victim is not None:
        query = query.where(Incident.id.in_(acts))
    if monitoring_status is not None:
        query = query.where(Incident.monitoring_status == check(
            "monitoring_status", monitoring_status, field="monitoring_status"))
    query = query.order_by(Incident.start_date.is_(None), Incident.start_date.desc(),
                           Incident.created_at.desc()).limit(limit)
    incidents = session.scalars(query).all()
    by_incident: dict[str, list[Act]] = {incident.id: [] for incident in incidents}
    for act in session.scalars(select(Act).where(Act.incident_id.in_(list(by_incident)))):
        by_incident[act.incident_id].append(act)
    gazetteer = refs.Gazetteer(session)
    return [views.summary(incident, by_incident[incident.id], gazetteer)
            for incident in incidents]
