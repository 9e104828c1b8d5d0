"""The work on a case in the browser: recording an interview, running the assessment on the
interviews' facts, reading the stored assessment with its draft, and a reviewer's sign-off.

Routes only translate: the interview and assessment services check the policy on the case
(``case.write`` to record and run, ``case.decide`` to review, ``case.read`` to read) and refuse
what the rules do not allow; a refusal is shown beside the field it is about, with what the
user typed kept in the form. Nothing typed here goes into a URL: every form is a POST, and the
pages are found by case number and assessment id only.

An assessment is found by its id and belongs to one case: a link that names another case in
its path is sent to the assessment's own (after the service has checked the reader may read
that case), so a stale or hand-made link never shows an assessment under the wrong case.

The API opens a case (``POST /api/v1/cases``, through the "open a case" form's reader and the
same service) and records an interview (``POST /api/v1/cases/{case}/interviews``); each answers
201 with what was made and a ``Location`` naming the case by id.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from surplace.access.policy import require
from surplace.assessment import service as assessment_service
from surplace.assessment.exceptions import AssessmentRefused, FactsError
from surplace.assessment.schemas import StoredAssessment
from surplace.cases import service as case_service
from surplace.cases import vocabularies as case_vocabularies
from surplace.cases.exceptions import CaseInputError
from surplace.cases.lookup import case_for
from surplace.cases.schemas import CaseSummary, InterviewOut
from surplace.errors import InvalidInput
from surplace.records.service import find_person
from surplace.web.deps import ActorDep, SessionDep, requires
from surplace.web.forms import form_values
from surplace.web.i18n import N_
from surplace.web.templating import render
from surplace.web.views_case_work import (
    CHOICE_LABELS,
    JURISDICTION_LABELS,
    OUTCOMES,
    VERDICTS,
    CaseBody,
    InterviewBody,
    case_values,
    draft_sections,
    fact_groups,
    findings,
    interview_count,
    interview_error_field,
    jurisdictions,
    read_interview_body,
    read_interview_form,
)
from surplace.web.views_cases import Form, read_case_form, staff_names
from surplace.web.views_common import error_field, locale_of, needs, roles_with, term_labeller
from surplace.web.views_incident_forms import created, refuse_fields

router = APIRouter()

_READ = roles_with("case.read")
_WRITE = roles_with("case.write")
_DECIDE = roles_with("case.decide")
ACCESS: dict[str, frozenset[str]] = {
    "GET /cases/{case_id}/interviews/new": _WRITE,
    "POST /cases/{case_id}/interviews": _WRITE,
    "GET /cases/{case_id}/assessment": _WRITE,
    "POST /cases/{case_id}/assessment": _WRITE,
    "GET /cases/{case_id}/assessments/{assessment_id}": _READ,
    "GET /cases/{case_id}/assessments/{assessment_id}/draft.html": _READ,
    "POST /cases/{case_id}/assessments/{assessment_id}/review": _DECIDE,
    "POST /api/v1/cases": _WRITE,
    "POST /api/v1/cases/{case_id}/interviews": _WRITE,
}

def _interview_form(request: Request, session: Any, actor: Any, case_id: str, form: Form, *,
                    status_code: int = 200) -> Response:
    case = case_for(session, actor, case_id, "case.write")
    locale = locale_of(request)
    return render(request, "cases/interview_new.html", status_code=status_code,
                  case_number=case.case_number, form=form, groups=fact_groups(),
                  languages=list(case_vocabularies.terms("language")),
                  staff=staff_names(session, actor=actor),
                  choice_labels=CHOICE_LABELS, term=term_labeller(locale))


@router.get("/cases/{case_id}/interviews/new")
def interview_new(request: Request, case_id: str, actor: ActorDep,
                  session: SessionDep) -> Response:
    require(actor, "case.write")
    return _interview_form(request, session, actor, case_id, Form(values={
        "held_on": date.today().isoformat(), "interviewer": actor.name}))


@router.post("/cases/{case_id}/interviews", dependencies=[Depends(requires("case.write"))])
async def interview_record(request: Request, case_id: str, actor: ActorDep,
                           session: SessionDep) -> Response:
    values = await form_values(request)
    data, form = read_interview_form(values)
    if data is not None:
        try:
            with session.begin_nested():  # a refusal undoes only this attempt
                done = case_service.record_interview(session, actor=actor, case=case_id,
                                                     data=data)
            return RedirectResponse(f"/cases/{done.case_number}#interviews", status_code=303)
        except (CaseInputError, InvalidInput) as error:
            form.fail(interview_error_field(str(error)), str(error))
    return _interview_form(request, session, actor, case_id, form, status_code=422)


def _run_form(request: Request, session: Any, actor: Any, case_id: str, form: Form, *,
              status_code: int = 200) -> Response:
    case = case_for(session, actor, case_id, "case.write")
    return render(request, "cases/assessment_run.html", status_code=status_code,
                  case_number=case.case_number, form=form, jurisdictions=jurisdictions(),
                  jurisdiction_labels=JURISDICTION_LABELS,
                  interviews=interview_count(session, case))


@router.get("/cases/{case_id}/assessment")
def assessment_new(request: Request, case_id: str, actor: ActorDep,
                   session: SessionDep) -> Response:
    require(actor, "case.write")
    return _run_form(request, session, actor, case_id, Form(values={"jurisdiction": "unhcr"}))


@router.post("/cases/{case_id}/assessment", dependencies=[Depends(requires("case.write"))])
async def assessment_run(request: Request, case_id: str, actor: ActorDep,
                         session: SessionDep) -> Response:
    """Run the rules on the case's interviews; the stored assessment's page shows the draft."""
    values = await form_values(request)
    form = Form(values=values)
    jurisdiction = values.get("jurisdiction", "").strip() or "unhcr"
    if jurisdiction not in jurisdictions():
        form.fail("jurisdiction", N_("Choose a jurisdiction from the list."))
    else:
        try:
            with session.begin_nested():
                stored = assessment_service.assess_case(
                    session, actor=actor, case=case_id, jurisdiction=jurisdiction,
                    state_bound_iccpr=bool(values.get("state_bound_iccpr")))
            return RedirectResponse(f"/cases/{stored.case_number}/assessments/{stored.id}",
                                    status_code=303)
        except (FactsError, AssessmentRefused, CaseInputError) as error:
            form.fail("assessment", str(error))
    return _run_form(request, session, actor, case_id, form, status_code=422)


def _assessment_page(request: Request, session: Any, actor: Any, stored: StoredAssessment,
                     form: Form | None = None, *, status_code: int = 200) -> Response:
    assert stored.result is not None
    return render(
        request, "cases/assessment.html", status_code=status_code, stored=stored,
        result=stored.result, findings=findings(stored.result),
        draft=draft_sections(stored.result), outcomes=OUTCOMES, verdicts=VERDICTS,
        can_review=actor.can("case.decide") and stored.run_by != actor.name,
        form=form or Form())


@router.get("/cases/{case_id}/assessments/{assessment_id}")
def assessment_page(request: Request, case_id: str, assessment_id: str, actor: ActorDep,
                    session: SessionDep) -> Response:
    stored = assessment_service.show_assessment(session, actor=actor, assessment=assessment_id)
    if case_id.strip().upper() != stored.case_number:
        return RedirectResponse(f"/cases/{stored.case_number}/assessments/{stored.id}",
                                status_code=303)
    return _assessment_page(request, session, actor, stored)


@router.get("/cases/{case_id}/assessments/{assessment_id}/draft.html")
def assessment_draft(case_id: str, assessment_id: str, actor: ActorDep,
                     session: SessionDep) -> Response:
    """The draft as one HTML document to keep or print (it carries its own stylesheet, so it
    is a download rather than a page of this site)."""
    stored = assessment_service.show_assessment(session, actor=actor, assessment=assessment_id)
    name = f"draft-{stored.case_number}-{stored.id}.html"
    return Response(assessment_service.render_draft(stored, html=True), media_type="text/html",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/cases/{case_id}/assessments/{assessment_id}/review",
             dependencies=[Depends(requires("case.decide"))])
async def assessment_review(request: Request, case_id: str, assessment_id: str,
                            actor: ActorDep, session: SessionDep) -> Response:
    values = await form_values(request)
    form = Form(values=values)
    verdict = values.get("verdict", "").strip()
    reasons = values.get("reasons", "").strip()
    if verdict not in VERDICTS:
        form.fail("verdict", N_("Choose whether you agree or disagree."))
    elif verdict == "disagree" and not reasons:
        form.fail("reasons", N_("Say why you disagree."))
    else:
        try:
            with session.begin_nested():
                review = assessment_service.review_assessment(
                    session, actor=actor, assessment=assessment_id, verdict=verdict,
                    reasons=reasons or None)
            return RedirectResponse(
                f"/cases/{review.case_number}/assessments/{review.assessment_id}#reviews",
                status_code=303)
        except AssessmentRefused as error:
            form.fail("reasons" if "reason" in str(error).lower() else "verdict", str(error))
    stored = assessment_service.show_assessment(session, actor=actor, assessment=assessment_id)
    return _assessment_page(request, session, actor, stored, form, status_code=422)


# ---- API ----

#: Fields of the case body a service's refusal may name (else it is about the principal).
_CASE_REFUSALS = ("risk", "languages", "specific_needs")


@router.post("/api/v1/cases", response_model=CaseSummary, status_code=201,
             responses=created("case"), dependencies=[needs("case.write")])
def api_open_case(body: CaseBody, response: Response, actor: ActorDep,
                  session: SessionDep) -> CaseSummary:
    """Open a case for a registered person (``principal``: pseudonym or id), who may not be on
    another open case; the caller is assigned to it. Answers the case's clear columns (its
    number ``SP-<year>-<serial>``); the whole file is at ``Location``."""
    data, form = read_case_form(case_values(body))
    if data is None:
        refuse_fields(form.errors)
    if find_person(session, data.principal.strip()) is None:  # refused without echoing it
        refuse_fields({"principal": "No registered person has this pseudonym or id; register "
                                    "the person first."})
    try:
        opened = case_service.open_case(session, actor=actor, data=data)
    except (CaseInputError, InvalidInput) as error:
        message = str(error)
        refuse_fields({"principal" if "person" in message.lower()
                       else error_field(message, _CASE_REFUSALS, "principal"): message})
    response.headers["Location"] = f"/api/v1/cases/{opened.id}"
    return opened


def _interview_refusal(error: Exception) -> None:
    """A service's refusal of an interview, named by its field when it is about one (the date,
    the interviewer); one about the case (closed) stays a refusal of the request as a whole."""
    field = interview_error_field(str(error))
    if field != "facts":
        refuse_fields({field: str(error)})


@router.post("/api/v1/cases/{case_id}/interviews", response_model=InterviewOut,
             status_code=201, responses=created("interview"),
             dependencies=[needs("case.write")])
def api_record_interview(case_id: str, body: InterviewBody, response: Response,
                         actor: ActorDep, session: SessionDep) -> InterviewOut:
    """Record an interview held on ``held_on`` (today or earlier) with the facts it
    established; a case waiting for its interview moves on (``transition``). Answers the
    interview; it is listed in the case file at ``Location``."""
    case = case_for(session, actor, case_id, "case.write")  # 404 / 403 before the body's checks
    data, problems = read_interview_body(body)
    if data is None:
        refuse_fields(problems)
    try:
        done = case_service.record_interview(session, actor=actor, case=case.id, data=data)
    except (CaseInputError, InvalidInput) as error:
        _interview_refusal(error)
        raise
    response.headers["Location"] = f"/api/v1/cases/{case.id}"
    return done
