"""Assessing a stored case and recording a reviewer's sign-off: the store's side of the engine.

An assessment of a case is a snapshot, not a live view (see :mod:`surplace.assessment.models`):
the case's interview facts are merged oldest first, later over earlier, with every disagreement
kept in the result; the rules run; and the facts, the rule-set version, the parameters and the
whole result are sealed together, so a reviewer or an appeal officer sees exactly what was
concluded and can re-render the draft or re-run the rules on the same facts. The engine drafts;
a person decides, so each run and each review also moves the case through the workflow where
the workflow allows it — through the case service, so the step is in the case's history, its
timeline and the audit chain like any other:

- running an assessment on a case that is ``interviewed`` or ``assessed`` makes the ``assess``
  step; on a case at another stage (reviewed, decided, on appeal) the snapshot is only stored;
- a reviewer who agrees with the latest assessment of an ``assessed`` case makes the ``review``
  step; a disagreement is recorded with its reasons and leaves the case where it is.

Access is the policy's, through the case: running needs ``case.write`` on it, reviewing
``case.decide``, reading ``case.read``. Errors name assessments and cases by id or number,
never a fact's value.
"""

from __future__ import annotations

from datetime import date
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from surplace.access.policy import Actor
from surplace.assessment.draft import to_html, to_markdown
from surplace.assessment.engine import assess
from surplace.assessment.exceptions import AssessmentNotFound, AssessmentRefused, FactsError
from surplace.assessment.facts import facts_from_interviews
from surplace.assessment.logic import Outcome
from surplace.assessment.models import Assessment, AssessmentReview
from surplace.assessment.results import AssessmentResult
from surplace.assessment.schemas import ReviewOut, StoredAssessment, Verdict
from surplace.cases import service as case_service
from surplace.cases.interviews import facts_by_interview
from surplace.cases.lookup import case_for, now, user_names
from surplace.cases.timeline import CaseRows
from surplace.cases.workflow import workflow
from surplace.store.base import as_utc

__all__ = ["assess_case", "list_assessments", "render_draft", "review_assessment",
           "show_assessment"]

VERDICTS = ("agree", "disagree")
_ENDED = ("closed", "cancelled")
_MAX_REASONS = 20_000


def assess_case(session: Session, *, actor: Actor, case: str, jurisdiction: str = "unhcr",
                as_of: date | None = None, state_bound_iccpr: bool = False) -> StoredAssessment:
    """Run the rules on a case's interview facts, store the snapshot, and make the ``assess``
    step where the workflow allows it (see the module docstring). A case with no facts yet is
    assessed too: everything is undetermined and the questions say what to ask first."""
    row_case = case_for(session, actor, case, "case.write")
    if row_case.status in _ENDED:
        raise AssessmentRefused(f"Case {row_case.case_number} is {row_case.status}; re-open it "
                                "before assessing it.")
    interviews = facts_by_interview(session, row_case.id)
    try:
        facts = facts_from_interviews([found for _, _, found in interviews])
    except FactsError as error:
        order = ", ".join(interview_id for interview_id, _, _ in interviews)
        raise FactsError(f"Case {row_case.case_number} (interviews oldest first: {order}): "
                         f"{error}") from None
    result = assess(facts, jurisdiction=jurisdiction, as_of=as_of,
                    state_bound_iccpr=state_bound_iccpr)
    result = result.model_copy(update={"interviews": [item[0] for item in interviews]})
    row = Assessment(
        case_id=row_case.id, run_by=actor.user_id, run_at=now(),
        ruleset_version=result.ruleset_version, jurisdiction=result.jurisdiction,
        as_of=result.as_of, refugee_status=result.conclusions["refugee_status"].value,
        non_refoulement=result.conclusions["non_refoulement"].value,
        complementary_protection=result.conclusions["complementary_protection"].value)
    row.facts = facts.canonical()
    row.result = result.model_dump(mode="json")
    session.add(row)
    session.flush()
    step = None
    if row_case.status in workflow().transitions["assess"].sources:
        case_service.transition(session, actor=actor, case=row_case.id, name="assess",
                                inputs={"assessment": row.id})
        step = "assess"
    out = _out(row, row_case.case_number, user_names(session, [row.run_by]), sealed=True)
    return out.model_copy(update={"transition": step})


def review_assessment(session: Session, *, actor: Actor, assessment: str, verdict: str,
                      reasons: str | None = None) -> ReviewOut:
    """Record a reviewer's agreement or disagreement with a stored assessment.

    The reviewer must be someone other than the person who ran it (four eyes, as the workflow
    asks of the ``review`` step); a disagreement must give its reasons, which are sealed. Agreeing
    with the latest assessment of an ``assessed`` case makes the ``review`` step.
    """
    row = _find(session, assessment)
    row_case = case_for(session, actor, row.case_id, "case.decide")
    verdict = verdict.strip().lower()
    if verdict not in VERDICTS:
        raise AssessmentRefused("A review's verdict is 'agree' or 'disagree'.")
    if row.run_by == actor.user_id:
        raise AssessmentRefused(f"Assessment {row.id} was run by this account: it must be "
                                "reviewed by someone else.")
    text = (reasons or "").strip()
    if verdict == "disagree" and not text:
        raise AssessmentRefused(f"Disagreeing with assessment {row.id} needs the reasons.")
    if len(text) > _MAX_REASONS:
        raise AssessmentRefused(f"Review reasons are longer than {_MAX_REASONS} characters.")
    review = AssessmentReview(assessment_id=row.id, reviewer_id=actor.user_id, verdict=verdict,
                              at=now())
    review.reasons = text or None
    session.add(review)
    session.flush()
    step = None
    if (verdict == "agree" and row_case.status in workflow().transitions["review"].sources
            and _latest_id(session, row_case.id) == row.id):
        case_service.transition(session, actor=actor, case=row_case.id, name="review",
                                inputs={"assessment": row.id, "assessment_review": review.id})
        step = "review"
    out = _review_out(review, row_case.case_number, user_names(session, [actor.user_id]),
                      sealed=True)
    return out.model_copy(update={"transition": step})


def list_assessments(session: Session, *, actor: Actor, case: str,
                     loaded: CaseRows | None = None) -> list[StoredAssessment]:
    """A case's assessments, oldest first, with their reviews' verdicts; nothing sealed is read.

    ``loaded``: the case's rows already read for the same page (``case_service.case_file``),
    so the assessments and reviews are not read again; the policy is asked all the same."""
    row_case = case_for(session, actor, case, "case.read")
    if loaded is not None and loaded.complete and loaded.case.id == row_case.id:
        rows, names = loaded.assessments, loaded.names
        reviews: dict[str, list[AssessmentReview]] = {}
        for review in loaded.reviews:
            reviews.setdefault(review.assessment_id, []).append(review)
    else:
        rows = list(session.scalars(select(Assessment).where(Assessment.case_id == row_case.id)
                                    .order_by(Assessment.run_at, Assessment.id)))
        reviews = _reviews(session, [row.id for row in rows])
        names = user_names(session, [*(row.run_by for row in rows),
                                     *(r.reviewer_id for found in reviews.values()
                                       for r in found)])
    return [_out(row, row_case.case_number, names, reviews=reviews.get(row.id, []))
            for row in rows]


def show_assessment(session: Session, *, actor: Actor, assessment: str) -> StoredAssessment:
    """One stored assessment with its sealed facts and result and its reviews with reasons:
    every sealed read is audited."""
    row = _find(session, assessment)
    row_case = case_for(session, actor, row.case_id, "case.read")
    found = _reviews(session, [row.id]).get(row.id, [])
    names = user_names(session, [row.run_by, *(r.reviewer_id for r in found)])
    return _out(row, row_case.case_number, names, reviews=found, sealed=True)


def render_draft(stored: StoredAssessment, *, html: bool = False) -> str:
    """The draft written assessment re-rendered from a shown snapshot, as Markdown or HTML."""
    if stored.result is None:
        raise AssessmentRefused(f"Assessment {stored.id} was listed, not shown: show it to "
                                "draft it.")
    return to_html(stored.result) if html else to_markdown(stored.result)


def _find(session: Session, reference: str) -> Assessment:
    row = session.get(Assessment, reference.strip())
    if row is None:
        raise AssessmentNotFound(reference)
    return row


def _latest_id(session: Session, case_id: str) -> str | None:
    return session.scalars(select(Assessment.id).where(Assessment.case_id == case_id)
                           .order_by(Assessment.run_at.desc(), Assessment.id.desc())).first()


def _reviews(session: Session, ids: list[str]) -> dict[str, list[AssessmentReview]]:
    if not ids:
        return {}
    found: dict[str, list[AssessmentReview]] = {}
    query = (select(AssessmentReview).where(AssessmentReview.assessment_id.in_(ids))
             .order_by(AssessmentReview.at, AssessmentReview.id))
    for review in session.scalars(query):
        found.setdefault(review.assessment_id, []).append(review)
    return found


def _review_out(row: AssessmentReview, number: str, names: dict[str, str], *,
                sealed: bool = False) -> ReviewOut:
    at = as_utc(row.at)
    assert at is not None
    return ReviewOut(id=row.id, assessment_id=row.assessment_id, case_number=number,
                     reviewer=names.get(row.reviewer_id), verdict=cast(Verdict, row.verdict),
                     at=at, reasons=row.reasons if sealed else None)


def _out(row: Assessment, number: str, names: dict[str, str], *,
         reviews: list[AssessmentReview] | None = None, sealed: bool = False) -> StoredAssessment:
    run_at = as_utc(row.run_at)
    assert run_at is not None
    return StoredAssessment(
        id=row.id, case_number=number, run_by=names.get(row.run_by), run_at=run_at,
        ruleset_version=row.ruleset_version, jurisdiction=row.jurisdiction, as_of=row.as_of,
        refugee_status=Outcome(row.refugee_status), non_refoulement=Outcome(row.non_refoulement),
        complementary_protection=Outcome(row.complementary_protection),
        reviews=[_review_out(r, number, names, sealed=sealed) for r in reviews or []],
        facts=row.facts if sealed else None,
        result=AssessmentResult.model_validate(row.result) if sealed else None)
