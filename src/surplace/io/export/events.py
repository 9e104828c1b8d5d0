"""Rows of incidents and of acts, a page at a time.

Acts are shaped by the incidents domain's own view (:func:`surplace.incidents.views.acts_out`,
without sealed text), so an exported act says what ``incident act show`` says; the victim's
clear columns (sex, birth year) and, where the scope allows, the victim's name and the act's
sealed text are added here. Incidents are read from their clear columns (the domain's summary
opens the sealed title, which a pseudonymised export must not read at all), and their acts are
counted page by page.

At the :attr:`~surplace.io.export.schemas.Level.cases` level an act's sealed text and its
victim's name go out only when the victim is a person the exporter may identify, and an
incident's title and description only when every victim of its acts is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from sqlalchemy import ColumnElement, extract, select
from sqlalchemy.orm import Session

from surplace.incidents import refs, views
from surplace.incidents.models import Act, Incident
from surplace.io.export.people import Scanned, names_of, no_progress, pages
from surplace.io.export.redaction import Scope
from surplace.io.export.schemas import Filters, Level
from surplace.records.models import Person

ACT_COLUMNS = ["act", "incident", "act_type", "victim", "victim_sex", "victim_birth_year",
               "year", "province", "victim_status", "perpetrator_units", "documented"]
ACT_IDENTITY = ["date", "place", "victim_name", "method", "consequences", "whereabouts"]
INCIDENT_COLUMNS = ["incident", "year", "province", "monitoring_status", "acts", "act_types"]
INCIDENT_IDENTITY = ["start_date", "place", "title", "description"]


def act_columns(scope: Scope) -> list[str]:
    return ACT_COLUMNS + (ACT_IDENTITY if scope.identities else [])


def incident_columns(scope: Scope) -> list[str]:
    return INCIDENT_COLUMNS + (INCIDENT_IDENTITY if scope.identities else [])


def act_where(filters: Filters) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if filters.act_type is not None:
        where.append(Act.act_type == filters.act_type)
    if filters.year is not None:
        where.append(extract("year", Act.act_date) == filters.year)
    return where


def incident_where(filters: Filters) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if filters.act_type is not None:
        where.append(Incident.id.in_(select(Act.incident_id).where(
            Act.act_type == filters.act_type)))
    if filters.year is not None:
        where.append(extract("year", Incident.start_date) == filters.year)
    return where


def _victims(session: Session, ids: set[str]) -> dict[str, tuple[str | None, int | None]]:
    if not ids:
        return {}
    query = select(Person.id, Person.sex, Person.birth_year).where(Person.id.in_(sorted(ids)))
    return {str(pid): (sex, year) for pid, sex, year in session.execute(query)}


def act_rows(session: Session, scope: Scope, filters: Filters, *,
             on_scanned: Scanned = no_progress) -> Iterator[dict[str, Any]]:
    gazetteer = refs.Gazetteer(session)
    for page in pages(session, Act, act_where(filters), on_scanned=on_scanned):
        if filters.province is not None:
            page = [act for act in page if gazetteer.province(act.place_id) == filters.province]
        if not page:
            continue
        shaped = {out.id: out for out in views.acts_out(session, page, gazetteer)}
        victims = _victims(session, {act.victim_id for act in page})
        shown = {act.victim_id for act in page if scope.reveals(act.victim_id)}
        names = names_of(session, sorted(shown)) if scope.identities and shown else {}
        for act in page:
            out = shaped[act.id]
            sex, birth_year = victims.get(act.victim_id, (None, None))
            row: dict[str, Any] = {
                "act": act.id, "incident": act.incident_id, "act_type": act.act_type,
                "victim": out.victim, "victim_sex": sex, "victim_birth_year": birth_year,
                "year": None if act.act_date is None else act.act_date.year,
                "province": out.province, "victim_status": act.victim_status,
                "perpetrator_units": sorted({i.unit for i in out.involvements if i.unit}),
                "documented": out.documented,
            }
            if scope.identities and act.victim_id in shown:
                written = names.get(act.victim_id, [])
                row.update(date=act.act_date, place=out.place,
                           victim_name=written[0] if written else None, method=act.method,
                           consequences=act.consequences, whereabouts=act.whereabouts)
            yield row


def incident_rows(session: Session, scope: Scope, filters: Filters, *,
                  on_scanned: Scanned = no_progress) -> Iterator[dict[str, Any]]:
    gazetteer = refs.Gazetteer(session)
    for page in pages(session, Incident, incident_where(filters), on_scanned=on_scanned):
        if filters.province is not None:
            page = [item for item in page
                    if gazetteer.province(item.place_id) == filters.province]
        if not page:
            continue
        acts: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for incident_id, act_type, victim_id in session.execute(
                select(Act.incident_id, Act.act_type, Act.victim_id)
                .where(Act.incident_id.in_([item.id for item in page]))):
            acts[incident_id].append((act_type, victim_id))
        for incident in page:
            own = acts.get(incident.id, [])
            row: dict[str, Any] = {
                "incident": incident.id,
                "year": None if incident.start_date is None else incident.start_date.year,
                "province": gazetteer.province(incident.place_id),
                "monitoring_status": incident.monitoring_status, "acts": len(own),
                "act_types": sorted({act_type for act_type, _ in own}),
            }
            revealed = scope.level is Level.full or (
                scope.identities and bool(own)
                and all(scope.reveals(victim) for _, victim in own))
            if revealed:
                row.update(start_date=incident.start_date,
                           place=gazetteer.code(incident.place_id), title=incident.title,
                           description=incident.description)
            yield row
