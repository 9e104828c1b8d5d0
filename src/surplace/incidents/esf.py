"""Export in the layout of the HURIDOCS Events Standard Formats, as JSON or as CSV files.

The field list is data (``esf_fields.toml``): ESF number, name, the attribute each is filled
from, its type, and whether it identifies a person. This module builds one plain row per
event (incident), act, chain link, involvement, piece of information, intervention and person
(victims and perpetrators), then projects each row onto its format's fields. Identifying
fields are filled only for a role that may read identities; every other export carries
pseudonyms and codes, and its identifying fields are empty. The export itself is written to
the audit chain, and each sealed value it opens is an audited read.

A claim still waiting for review belongs to no act yet; it is exported with the incident it
names, if it names one.
"""

from __future__ import annotations

import csv
import json
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from surplace.access.policy import Actor, require
from surplace.cases.work_models import Intervention
from surplace.incidents.models import Act, ActLink, Incident, Information, Involvement
from surplace.incidents.refs import Gazetteer
from surplace.incidents.service import get_incident
from surplace.records.models import Person, PersonName, Source
from surplace.vault import audit

FIELDS_FILE = Path(__file__).with_name("esf_fields.toml")
FORMATS = ("event", "act", "chain", "involvement", "information", "intervention", "person")
Row = dict[str, Any]


@dataclass(frozen=True)
class EsfField:
    number: str
    name: str
    attribute: str
    type: str
    identity: bool = False

    @property
    def key(self) -> str:
        return f"{self.number}_{self.name}"


@cache
def layout() -> dict[str, tuple[EsfField, ...]]:
    """The field list of every format, in file order."""
    with FIELDS_FILE.open("rb") as handle:
        data = tomllib.load(handle)
    return {name: tuple(EsfField(**entry) for entry in data[name]) for name in FORMATS}


def layout_header() -> dict[str, str]:
    with FIELDS_FILE.open("rb") as handle:
        return dict(tomllib.load(handle)["format"])


def export(session: Session, *, actor: Actor,
           incident_ids: Sequence[str] | None = None) -> dict[str, Any]:
    """The export document: a header, the field list, and the records of every format."""
    require(actor, "incident.read")
    reveal = actor.can("identity.read")
    if incident_ids is None:
        incidents = list(session.scalars(select(Incident).order_by(Incident.created_at,
                                                                   Incident.id)))
    else:
        incidents = [get_incident(session, incident_id) for incident_id in incident_ids]
    rows = _Rows(session, incidents, reveal).build()
    records = {name: [_project(fields, row, reveal) for row in rows[name]]
               for name, fields in layout().items()}
    audit.record(session, "incident.export", "incident", None, detail={
        "format": "esf", "identities": reveal,
        "records": {name: len(items) for name, items in records.items()}})
    return {
        **layout_header(),
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "identities": "names" if reveal else "pseudonyms only",
        "fields": {name: [{"number": f.number, "name": f.name, "key": f.key, "type": f.type,
                           "identity": f.identity} for f in fields]
                   for name, fields in layout().items()},
        "records": records,
    }


def _project(fields: Iterable[EsfField], row: Row, reveal: bool) -> Row:
    out: Row = {}
    for item in fields:
        value = row.get(item.attribute)
        if item.identity and not reveal:
            value = None
        out[item.key] = value.isoformat() if isinstance(value, date) else value
    return out


def write_json(document: dict[str, Any], handle: TextIO) -> None:
    json.dump(document, handle, ensure_ascii=False, indent=2)
    handle.write("\n")


def write_csv(document: dict[str, Any], folder: Path) -> list[Path]:
    """One CSV file per format (``event.csv``, ``act.csv`` …) with the field keys as header."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, fields in layout().items():
        path = folder / f"{name}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([item.key for item in fields])
            for record in document["records"][name]:
                writer.writerow([_cell(record[item.key]) for item in fields])
        written.append(path)
    return written


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class _Rows:
    """The plain rows of one export, gathered from the incidents outward."""

    def __init__(self, session: Session, incidents: list[Incident], reveal: bool) -> None:
        self.session, self.incidents, self.reveal = session, incidents, reveal
        self.gazetteer = Gazetteer(session)
        self.roles: dict[str, set[str]] = defaultdict(set)

    def build(self) -> dict[str, list[Row]]:
        ids = [incident.id for incident in self.incidents]
        acts = list(self.session.scalars(select(Act).where(Act.incident_id.in_(ids))
                                         .order_by(Act.act_date, Act.id))) if ids else []
        act_ids = [act.id for act in acts]
        incident_of = {act.id: act.incident_id for act in acts}
        for act in acts:
            self.roles[act.victim_id].add("victim")
        rows: dict[str, list[Row]] = {
            "event": [self._event(incident, acts) for incident in self.incidents],
            "act": [self._act(act) for act in acts],
            "chain": self._chains(act_ids, incident_of),
            "involvement": self._involvements(act_ids, incident_of),
            "information": self._information(ids, act_ids, {a.id: a.victim_id for a in acts}),
            "intervention": self._interventions(ids),
        }
        rows["person"] = self._persons()
        victims = {row["id"]: row["pseudonym"] for row in rows["person"]}
        for row in rows["act"] + rows["information"]:
            row["victim"] = victims.get(row["victim"], row["victim"])
        for row in rows["involvement"]:
            row["perpetrator"] = victims.get(row["perpetrator"], row["perpetrator"])
        return rows

    def _event(self, incident: Incident, acts: list[Act]) -> Row:
        types = sorted({act.act_type for act in acts if act.incident_id == incident.id})
        return {"id": incident.id, "title": incident.title,
                "province": self.gazetteer.province(incident.place_id),
                "place": self.gazetteer.code(incident.place_id),
                "start_date": incident.start_date, "start_precision": incident.start_precision,
                "end_date": incident.end_date, "end_precision": incident.end_precision,
                "description": incident.description, "act_types": "; ".join(types) or None,
                "monitoring_status": incident.monitoring_status,
                "created_on": incident.created_at.date()}

    def _act(self, act: Act) -> Row:
        return {"id": act.id, "victim": act.victim_id, "incident_id": act.incident_id,
                "act_type": act.act_type, "date": act.act_date,
                "date_precision": act.date_precision, "end_date": act.end_date,
                "place": self.gazetteer.code(act.place_id),
                "province": self.gazetteer.province(act.place_id),
                "method": act.method, "consequences": act.consequences,
                "victim_status": act.victim_status, "detention_kind": act.detention_kind,
                "whereabouts": act.whereabouts if self.reveal else None,
                "legal_counsel": act.legal_counsel,
                "detention_place": self.gazetteer.code(act.detention_place_id),
                "return_from_place": self.gazetteer.code(act.return_from_place_id),
                "handed_to_unit": act.handed_to_unit, "crossing_point": act.crossing_point}

    def _chains(self, act_ids: list[str], incident_of: dict[str, str]) -> list[Row]:
        if not act_ids:
            return []
        links = self.session.scalars(select(ActLink).where(or_(
            ActLink.from_act_id.in_(act_ids), ActLink.to_act_id.in_(act_ids))).order_by(
            ActLink.id))
        return [{"id": link.id, "from_act": link.from_act_id, "to_act": link.to_act_id,
                 "from_incident": incident_of.get(link.from_act_id),
                 "to_incident": incident_of.get(link.to_act_id), "relation": link.relation}
                for link in links]

    def _involvements(self, act_ids: list[str], incident_of: dict[str, str]) -> list[Row]:
        if not act_ids:
            return []
        rows = []
        for item in self.session.scalars(select(Involvement).where(
                Involvement.act_id.in_(act_ids)).order_by(Involvement.act_id, Involvement.id)):
            if item.person_id:
                self.roles[item.person_id].add("perpetrator")
            rows.append({"id": item.id, "perpetrator": item.person_id,
                         "incident_id": incident_of[item.act_id], "act_id": item.act_id,
                         "degree": item.degree, "unit": item.unit})
        return rows

    def _information(self, incident_ids: list[str], act_ids: list[str],
                     victim_of: dict[str, str]) -> list[Row]:
        if not incident_ids:
            return []
        query = select(Information).where(or_(Information.incident_id.in_(incident_ids),
                                              Information.act_id.in_(act_ids or [""])))
        infos = list(self.session.scalars(query.order_by(Information.received_at,
                                                         Information.id)))
        sources = {source.id: source for source in self.session.scalars(select(Source).where(
            Source.id.in_({info.source_id for info in infos})))}
        return [{"id": info.id, "source": sources[info.source_id].code,
                 "source_name": sources[info.source_id].name if self.reveal else None,
                 "incident_id": info.incident_id, "act_id": info.act_id,
                 "victim": victim_of.get(info.act_id or ""), "connection": info.connection,
                 "language": info.language, "reported_on": info.reported_on,
                 "grade": f"{info.reliability}{info.credibility}",
                 "reliability": info.reliability, "credibility": str(info.credibility),
                 "link_status": info.link_status,
                 "content": info.content if self.reveal else None} for info in infos]

    def _interventions(self, incident_ids: list[str]) -> list[Row]:
        if not incident_ids:
            return []
        return [{"id": row.id, "acting_body": row.acting_body, "incident_id": row.incident_id,
                 "kind": row.kind, "started_on": row.started_on,
                 "completed_on": row.completed_on, "outcome": row.outcome_note,
                 "status": row.status}
                for row in self.session.scalars(select(Intervention).where(
                    Intervention.incident_id.in_(incident_ids)).order_by(
                    Intervention.started_on, Intervention.id))]

    def _persons(self) -> list[Row]:
        if not self.roles:
            return []
        persons = self.session.scalars(select(Person).where(Person.id.in_(list(self.roles)))
                                       .order_by(Person.pseudonym)).all()
        names: dict[str, list[PersonName]] = defaultdict(list)
        if self.reveal:
            for name in self.session.scalars(select(PersonName).where(
                    PersonName.person_id.in_(list(self.roles))).order_by(PersonName.id)):
                names[name.person_id].append(name)
        rows = []
        for person in persons:
            own = sorted(names[person.id], key=lambda n: n.kind != "legal")
            rows.append({
                "id": person.id, "counting_unit": "individual", "pseudonym": person.pseudonym,
                "name": own[0].full_name if own else None,
                "other_names": "; ".join(str(n.full_name) for n in own[1:]) or None,
                "sex": person.sex, "birth_year": person.birth_year,
                "origin_province": person.origin_province,
                "roles": "; ".join(sorted(self.roles[person.id]))})
        return rows
