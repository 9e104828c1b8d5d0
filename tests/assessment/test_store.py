"""Assessing a stored case: interview facts merged, the snapshot sealed and read back, the case
moved through ``assess`` and ``review`` by two different people; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from surplace.access.policy import AccessDenied
from surplace.assessment import service
from surplace.assessment.engine import assess
from surplace.assessment.exceptions import AssessmentNotFound, AssessmentRefused, FactsError
from surplace.assessment.facts import facts_from_interviews
from surplace.assessment.models import Assessment
from surplace.cases import service as case_service
from surplace.cases.models import Interview
from surplace.cases.schemas import InterviewIn
from tests.assessment.conftest import ORDINARY
from tests.cases.conftest import Office

TODAY = date.today()
FIRST = {**ORDINARY, "contact_with_christians": False}
SECOND = {"contact_with_christians": True, "practises_christianity": True, "times_crossed": 2,
          "claim_summary": "Synthetic: attended a house church in Yanji."}


def _interviewed(office: Office, *interviews: dict[str, Any]) -> str:
    """A case of the worker's, through to ``interviewed`` with one interview per facts dict."""
    number = office.open()
    with office.session() as session:
        for step, inputs in (("register", {}), ("decide_processing", {"modality": "regular"})):
            case_service.transition(session, actor=office.worker, case=number, name=step,
                                    inputs=inputs, on=TODAY - timedelta(days=10))
        for index, facts in enumerate(interviews):
            held_on = TODAY - timedelta(days=5 - index)
            case_service.record_interview(session, actor=office.worker, case=number,
                                          data=InterviewIn(held_on=held_on, facts=facts))
    return number


def _status(office: Office, number: str) -> str:
    with office.session(office.admin) as session:
        return case_service.show_case(session, actor=office.admin, case=number).status


def test_a_case_is_assessed_from_its_interviews_and_reviewed_by_someone_else(
        shared_office: Office) -> None:
    office = shared_office
    number = _interviewed(office, FIRST, SECOND)
    with office.session(office.admin) as session:
        case_service.assign_caseworker(session, actor=office.admin, case=number,
                                       user="supervisor")
    with office.session() as session:
        stored = service.assess_case(session, actor=office.worker, case=number,
                                     jurisdiction="uk", as_of=date(2026, 11, 1))
        interview_ids = list(session.scalars(select(Interview.id).where(
            Interview.case_id == session.scalars(select(Assessment.case_id).where(
                Assessment.id == stored.id)).one()).order_by(Interview.held_on)))
    assert stored.transition == "assess" and _status(office, number) == "assessed"
    assert stored.run_by == "worker-a" and stored.jurisdiction == "uk"

    # The snapshot reads back equal to running the rules on the merged facts.
    merged = facts_from_interviews([FIRST, SECOND])
    expected = assess(merged, jurisdiction="uk", as_of=date(2026, 11, 1))
    with office.session() as session:
        shown = service.show_assessment(session, actor=office.worker, assessment=stored.id)
        listed = service.list_assessments(session, actor=office.worker, case=number)
    assert shown.facts == merged.canonical() and shown.facts["times_crossed"] == 2
    assert shown.result is not None
    assert shown.result.model_dump(exclude={"interviews"}) == expected.model_dump(
        exclude={"interviews"})
    assert shown.result.interviews == interview_ids
    assert {(c.fact, c.earlier, c.later) for c in shown.result.conflicts} == {
        ("contact_with_christians", False, True), ("times_crossed", 1, 2)}
    assert shown.refugee_status == expected.conclusions["refugee_status"]
    assert [(a.id, a.facts, a.result) for a in listed] == [(stored.id, None, None)]
    draft = service.render_draft(shown)
    assert expected.facts_sha256 in draft and "DRAFT" in draft
    assert "&lt;" not in service.render_draft(shown, html=True).split("<body>")[0]

    # Four eyes: not the assessor; a disagreement gives reasons.
    with pytest.raises(AssessmentRefused, match="reviewed by someone else"), \
            office.session() as session:
        service.review_assessment(session, actor=office.worker, assessment=stored.id,
                                  verdict="agree")
    with pytest.raises(AssessmentRefused, match="needs the reasons"), \
            office.session(office.supervisor) as session:
        service.review_assessment(session, actor=office.supervisor, assessment=stored.id,
                                  verdict="disagree", reasons="  ")
    with pytest.raises(AccessDenied), office.session(office.colleague) as session:
        service.review_assessment(session, actor=office.colleague, assessment=stored.id,
                                  verdict="agree")
    with pytest.raises(AssessmentNotFound), office.session(office.supervisor) as session:
        service.review_assessment(session, actor=office.supervisor, assessment="nope",
                                  verdict="agree")
    assert _status(office, number) == "assessed"

    with office.session(office.supervisor) as session:
        done = service.review_assessment(session, actor=office.supervisor,
                                         assessment=stored.id, verdict="agree",
                                         reasons="Synthetic: the findings follow the facts.")
    assert done.transition == "review" and done.reviewer == "supervisor"
    assert _status(office, number) == "reviewed"
    with office.session(office.admin) as session:
        late = service.review_assessment(session, actor=office.admin, assessment=stored.id,
                                         verdict="disagree", reasons="Synthetic: nexus thin.")
        shown = service.show_assessment(session, actor=office.admin, assessment=stored.id)
        entries = case_service.timeline(session, actor=office.admin, case=number)
    assert late.transition is None and _status(office, number) == "reviewed"
    assert [(r.verdict, r.reasons) for r in shown.reviews] == [
        ("agree", "Synthetic: the findings follow the facts."),
        ("disagree", "Synthetic: nexus thin.")]
    kinds = [(e.kind, e.ref) for e in entries if e.kind.startswith("assessment")]
    assert kinds == [("assessment", stored.id), ("assessment_review", done.id),
                     ("assessment_review", late.id)]
    steps = [e.title.split(":")[0] for e in entries if e.kind == "transition"]
    assert steps[-2:] == ["assess", "review"]


def test_where_the_workflow_does_not_allow_it_only_the_snapshot_is_stored(
        shared_office: Office) -> None:
    office = shared_office
    number = office.open()
    with office.session() as session:
        stored = service.assess_case(session, actor=office.worker, case=number)
    assert stored.transition is None and _status(office, number) == "received"
    assert stored.result is not None and stored.result.questions  # what to ask first
    assert set(stored.result.conclusions.values()) == {"unknown"}
    with pytest.raises(AccessDenied), office.session(office.researcher) as session:
        service.assess_case(session, actor=office.researcher, case=number)
    with pytest.raises(AccessDenied), office.session(office.colleague) as session:
        service.list_assessments(session, actor=office.colleague, case=number)
    # Interviews each consistent, together not: refused when assessed, naming the case.
    clash = _interviewed(office, {"has_rok_citizenship": True}, {"ever_in_rok": False})
    with pytest.raises(FactsError, match=f"Case {clash}.*Merged interview facts refused"), \
            office.session() as session:
        service.assess_case(session, actor=office.worker, case=clash)


@pytest.mark.parametrize("facts, problem", [
    ({"contact_with_christian": True}, r"unknown fact 'contact_with_christian' \(did you mean "
                                       r"contact_with_christians"),
    ({"times_crossed": "twice across the Tumen"}, "times_crossed must be a whole number of 0 "
                                                  "or more, not text of 22 characters"),
    ({"has_rok_citizenship": True, "ever_in_rok": False}, "contradictory facts"),
])
def test_interview_facts_are_held_to_the_vocabulary(shared_office: Office,
                                                    facts: dict[str, Any], problem: str) -> None:
    office = shared_office
    number = office.open()
    with pytest.raises(FactsError, match=problem), office.session() as session:
        case_service.record_interview(session, actor=office.worker, case=number,
                                      data=InterviewIn(held_on=TODAY, facts=facts))
    with office.session() as session:
        assert case_service.show_case(session, actor=office.worker, case=number).interviews == []
