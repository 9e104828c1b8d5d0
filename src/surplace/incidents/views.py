"""Building the output shapes of incidents and acts from their rows.

Sealed text (titles, descriptions, consequences, intervention notes) is opened only where a
caller asks for it, because every opening is an audited read; lists and counts stay on the
clear columns.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from surplace.cases.work_models import Intervention
from surplace.incidents.matching import COUNTED
from surplace.incidents.models import Act, ActLink, Incident, Information, Involvement
from surplace.incidents.refs import Gazetteer
from surplace.incidents.schemas import (
    ActOut,
    ChainOut,
    IncidentOut,
    IncidentSummary,
    InformationOut,
    InterventionOut,
    InvolvementOut,
)
from surplace.records.models import Person, Source


def pseudonyms(session: Session, person_ids: Iterable[str | None]) -> dict[str, str]:
    wanted = {pid for pid in person_ids if pid}
    if not wanted:
        return {}
    rows = session.execute(select(Person.id, Person.pseudonym).where(Person.id.in_(wanted)))
    return {row[0]: row[1] for row in rows}


def source_codes(session: Session, source_ids: Iterable[str]) -> dict[str, str]:
    wanted = set(source_ids)
    if not wanted:
        return {}
    rows = session.execute(select(Source.id, Source.code).where(Source.id.in_(wanted)))
    return {row[0]: row[1] for row in rows}


def information_out(row: Information, codes: dict[str, str]) -> InformationOut:
    return InformationOut(
        id=row.id, source=codes.get(row.source_id, row.source_id), act_id=row.act_id,
        incident_id=row.incident_id, connection=row.connection, reliability=row.reliability,
        credibility=row.credibility, grade=f"{row.reliability}{row.credibility}",
        link_status=row.link_status, reported_on=row.reported_on, language=row.language)


def acts_out(session: Session, acts: Sequence[Act], gazetteer: Gazetteer, *,
             with_text: bool = False) -> list[ActOut]:
    """Acts with their perpetrators, the information about them and their chain links."""
    ids = [act.id for act in acts]
    if not ids:
        return []
    involvements: dict[str, list[Involvement]] = defaultdict(list)
    for row in session.scalars(select(Involvement).where(Involvement.act_id.in_(ids))
                               .order_by(Involvement.id)):
        involvements[row.act_id].append(row)
    information: dict[str, list[Information]] = defaultdict(list)
    for info in session.scalars(select(Information).where(Information.act_id.in_(ids))
                                .order_by(Information.received_at, Information.id)):
        if info.act_id is not None:
            information[info.act_id].append(info)
    chain: dict[str, list[ActLink]] = defaultdict(list)
    for link in session.scalars(select(ActLink).where(
            ActLink.from_act_id.in_(ids) | ActLink.to_act_id.in_(ids))):
        for end in {link.from_act_id, link.to_act_id} & set(ids):
            chain[end].append(link)
    names = pseudonyms(session, [a.victim_id for a in acts]
                       + [i.person_id for rows in involvements.values() for i in rows])
    codes = source_codes(session, [i.source_id for rows in information.values() for i in rows])
    return [_act_out(act, gazetteer, names, codes, involvements[act.id], information[act.id],
                     chain[act.id], with_text) for act in acts]


def _act_out(act: Act, gazetteer: Gazetteer, names: dict[str, str], codes: dict[str, str],
             involvements: list[Involvement], information: list[Information],
             chain: list[ActLink], with_text: bool) -> ActOut:
    extensions = {
        "detention_kind": act.detention_kind,
        "detention_place": gazetteer.code(act.detention_place_id),
        "legal_counsel": act.legal_counsel,
        "return_from_place": gazetteer.code(act.return_from_place_id),
        "handed_to_unit": act.handed_to_unit,
        "crossing_point": act.crossing_point,
    }
    if with_text:
        extensions.update(method=act.method, whereabouts=act.whereabouts)
    return ActOut(
        id=act.id, incident_id=act.incident_id, act_type=act.act_type, victim_id=act.victim_id,
        victim=names.get(act.victim_id, act.victim_id), date=act.act_date,
        date_precision=act.date_precision, end_date=act.end_date,
        place=gazetteer.code(act.place_id), province=gazetteer.province(act.place_id),
        victim_status=act.victim_status,
        extensions={key: value for key, value in extensions.items() if value is not None},
        consequences=act.consequences if with_text else None,
        documented=any(info.link_status in COUNTED for info in information),
        involvements=[InvolvementOut(id=row.id, unit=row.unit, degree=row.degree,
                                     person=names.get(row.person_id or "", row.person_id))
                      for row in involvements],
        information=[information_out(info, codes) for info in information],
        chain=[ChainOut(from_act=link.from_act_id, to_act=link.to_act_id,
                        relation=link.relation) for link in chain],
    )


def intervention_out(row: Intervention, *, with_text: bool) -> InterventionOut:
    return InterventionOut(
        id=row.id, kind=row.kind, acting_body=row.acting_body, started_on=row.started_on,
        status=row.status, completed_on=row.completed_on,
        description=row.description if with_text else None,
        outcome=row.outcome_note if with_text else None)


def summary(incident: Incident, acts: Sequence[Act], gazetteer: Gazetteer) -> IncidentSummary:
    return summary_of(incident, [act.act_type for act in acts], gazetteer.code(incident.place_id))


def summary_of(incident: Incident, act_types: Sequence[str],
               place_code: str | None) -> IncidentSummary:
    """A line of a list from what it shows: the types of the incident's acts (one per act)
    and its place's code, so a list reads those two columns rather than whole acts and
    places."""
    return IncidentSummary(
        id=incident.id, title=incident.title, start_date=incident.start_date,
        start_precision=incident.start_precision, place=place_code,
        monitoring_status=incident.monitoring_status, acts=len(act_types),
        act_types=sorted(set(act_types)))


def incident_out(session: Session, incident: Incident, gazetteer: Gazetteer) -> IncidentOut:
    """Everything about one incident; its sealed text is opened (and the reads audited)."""
    acts = session.scalars(select(Act).where(Act.incident_id == incident.id)
                           .order_by(Act.act_date, Act.created_at, Act.id)).all()
    interventions = session.scalars(select(Intervention).where(
        Intervention.incident_id == incident.id).order_by(Intervention.started_on)).all()
    head = summary(incident, acts, gazetteer)
    return IncidentOut(
        **head.model_dump(), description=incident.description, end_date=incident.end_date,
        end_precision=incident.end_precision,
        act_list=acts_out(session, acts, gazetteer, with_text=True),
        interventions=[intervention_out(row, with_text=True) for row in interventions])
