"""Documenting incidents in the browser: the form that opens an incident (title, partial dates,
a gazetteer place, a sealed description) and, from the incident's page, the form that adds an
act to it (type, victim by pseudonym or id, date, place, perpetrator unit, the act type's own
fields — for a forced return: from where, handed to which unit, through which crossing — and
the source that tells of it with its Admiralty grade).

Routes only translate: :mod:`surplace.incidents.service` and :mod:`surplace.incidents.claims`
check the policy (``incident.write``) and every rule; a refusal is shown beside the field it
names, with what the user typed kept. The act and its source's claim are written in one
savepoint, so a refused claim leaves no act behind. Nothing typed here goes into an address:
the forms post, and the redirects carry ids only.

The API documents an incident (``POST /api/v1/incidents``) and adds an act with its optional
source claim (``POST /api/v1/incidents/{incident}/acts``) from JSON bodies read by the same form
readers, so the rules are the form's; each answers 201 with what was made (as the GET API shows
it) and a ``Location`` carrying its id.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from surplace.access.policy import Actor, require
from surplace.errors import InvalidInput
from surplace.incidents import claims
from surplace.incidents import service as incident_service
from surplace.incidents.schemas import ActOut, IncidentSummary
from surplace.incidents.vocabularies import extension_fields, terms
from surplace.records import sources as source_service
from surplace.web.deps import ActorDep, SessionDep, requires
from surplace.web.forms import form_values, see_other
from surplace.web.templating import render
from surplace.web.views_cases import Form
from surplace.web.views_common import locale_of, needs, roles_with, term_labeller
from surplace.web.views_incident_forms import (
    ACT_FIELDS,
    CLAIM_FIELDS,
    DATE_HELP,
    EXTENSIONS,
    INCIDENT_FIELDS,
    ActBody,
    IncidentBody,
    SourceChoice,
    act_values,
    api_field,
    created,
    error_field,
    form_refusal,
    incident_values,
    place_choices,
    read_act_form,
    read_incident_form,
    refuse_fields,
)

router = APIRouter()

_WRITE = roles_with("incident.write")
ACCESS: dict[str, frozenset[str]] = {
    "GET /incidents/new": _WRITE,
    "POST /incidents": _WRITE,
    "GET /incidents/{incident_id}/acts": _WRITE,
    "POST /incidents/{incident_id}/acts": _WRITE,
    "POST /api/v1/incidents": _WRITE,
    "POST /api/v1/incidents/{incident_id}/acts": _WRITE,
}


def _incident_form(request: Request, session: Session, form: Form, *,
                   status_code: int = 200) -> Response:
    locale = locale_of(request)
    return render(request, "incidents/new.html", status_code=status_code, form=form,
                  statuses=list(terms("monitoring_status")),
                  places=place_choices(session, locale), date_help=DATE_HELP,
                  term=term_labeller(locale))


@router.get("/incidents/new")
def incident_new(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    require(actor, "incident.write")
    return _incident_form(request, session, Form(values={"monitoring_status": "open"}))


@router.post("/incidents", dependencies=[Depends(requires("incident.write"))])
async def incident_add(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    data, form = read_incident_form(await form_values(request))
    if data is not None:
        try:
            with session.begin_nested():  # a refusal undoes only this attempt
                made = incident_service.add_incident(session, actor=actor, data=data)
            return see_other(f"/incidents/{made.id}")
        except InvalidInput as error:
            form.fail(error_field(str(error), INCIDENT_FIELDS, "title"), str(error))
    return _incident_form(request, session, form, status_code=422)


def _applies_to() -> dict[str, list[str]]:
    """For each extension field the form offers, the act types it belongs to (shown beside
    the field, since a page without script cannot hide what does not apply)."""
    return {name: [code for code in terms("act_type") if name in extension_fields(code)]
            for name in EXTENSIONS}


def _sources(session: Session, actor: Actor) -> list[SourceChoice]:
    if not actor.can("source.read"):
        return []
    return [SourceChoice(code=item.code, reliability=item.reliability)
            for item in source_service.list_sources(session, actor=actor)]


def _act_form(request: Request, session: Session, actor: Actor, incident_id: str,
              form: Form, *, status_code: int = 200) -> Response:
    incident = incident_service.show_incident(session, actor=actor, incident_id=incident_id)
    locale = locale_of(request)
    vocabulary: dict[str, list[str]] = {
        name: list(terms(name)) for name in (
            "act_type", "perpetrator_unit", "involvement_degree", "victim_status",
            "detention_kind", "information_connection", "reliability", "credibility")}
    return render(request, "incidents/act_form.html", status_code=status_code,
                  incident=incident, form=form, vocabulary=vocabulary,
                  applies_to=_applies_to(), sources=_sources(session, actor),
                  places=place_choices(session, locale), date_help=DATE_HELP,
                  term=term_labeller(locale))


@router.get("/incidents/{incident_id}/acts")
def act_new(request: Request, incident_id: str, actor: ActorDep,
            session: SessionDep) -> Response:
    require(actor, "incident.write")
    return _act_form(request, session, actor, incident_id,
                     Form(values={"degree": "unknown", "credibility": "6"}))


@router.post("/incidents/{incident_id}/acts",
             dependencies=[Depends(requires("incident.write"))])
async def act_add(request: Request, incident_id: str, actor: ActorDep,
                  session: SessionDep) -> Response:
    act, claim, form = read_act_form(await form_values(request), incident_id)
    if act is not None:
        try:
            with session.begin_nested():  # the act and its source's claim, or neither
                made = incident_service.add_act(session, actor=actor, data=act)
                if claim is not None:
                    _attach(session, actor, claim, made.id)
            return see_other(f"/incidents/{made.incident_id}#act-{made.id}")
        except InvalidInput as error:
            form.fail(error_field(str(error), ACT_FIELDS, "act_type"), str(error))
    return _act_form(request, session, actor, incident_id, form, status_code=422)


def _attach(session: Session, actor: Actor, claim: dict[str, Any], act_id: str) -> None:
    """The named source's claim, attached to the act just written (the documenter chose the
    act, so it is linked at once rather than queued for review)."""
    claims.add_claim(session, actor=actor, data={**claim, "act_id": act_id})


# ---- API ----

@router.post("/api/v1/incidents", response_model=IncidentSummary, status_code=201,
             responses=created("incident"), dependencies=[needs("incident.write")])
def api_add_incident(body: IncidentBody, response: Response, actor: ActorDep,
                     session: SessionDep) -> IncidentSummary:
    """Document an incident: a sealed title and description, dates as known (``YYYY``,
    ``YYYY-MM`` or ``YYYY-MM-DD``: the precision follows from the shape), a place the gazetteer
    knows, a monitoring status. Acts are added to it at ``Location``/acts."""
    data, form = read_incident_form(incident_values(body))
    if data is None:
        form_refusal(form)
    try:
        made = incident_service.add_incident(session, actor=actor, data=data)
    except InvalidInput as error:
        refuse_fields({error_field(str(error), INCIDENT_FIELDS, "title"): str(error)})
    response.headers["Location"] = f"/api/v1/incidents/{made.id}"
    return made


@router.post("/api/v1/incidents/{incident_id}/acts", response_model=ActOut, status_code=201,
             responses=created("act"), dependencies=[needs("incident.write")])
def api_add_act(incident_id: str, body: ActBody, response: Response, actor: ActorDep,
                session: SessionDep) -> ActOut:
    """Add an act against a registered victim (pseudonym or id) to the incident, with the
    act type's own fields (a forced return: from where, handed to which unit, through which
    crossing) and, in ``claim``, the source that tells of it with its Admiralty grade
    (reliability A–F, credibility 1–6): the act and its claim are written together or not at
    all. An act without a claim is stored but counted by no figure until a source describes
    it. Answers the act as ``GET Location`` shows it."""
    incident_service.get_incident(session, incident_id)  # 404 before the body's checks
    act, claim, form = read_act_form(act_values(body), incident_id)
    if act is None:
        form_refusal(form, CLAIM_FIELDS)
    try:
        made = incident_service.add_act(session, actor=actor, data=act)
        if claim is not None:
            _attach(session, actor, claim, made.id)
    except InvalidInput as error:
        refuse_fields({api_field(str(error), ACT_FIELDS, "act_type", CLAIM_FIELDS): str(error)})
    response.headers["Location"] = f"/api/v1/acts/{made.id}"
    return incident_service.show_act(session, actor=actor, act_id=made.id)
