"""Interviews: the record of what an applicant said, and the step it moves the case by.

Recording an interview of a case that is waiting for one (``processing_decided``) or has had
one (``interviewed``) also makes the workflow's ``record_interview`` step, in the same
transaction, effective on the interview's date; an interview at another stage (an appeal
interview, a first conversation at reception) is recorded without moving the case.

The facts established in an interview are what the assessment engine runs on, so they are held
to its vocabulary when recorded (:func:`surplace.assessment.facts.parse_facts`): an unknown fact
name is refused with the closest names suggested, a value of the wrong type naming the fact, and
facts that cannot all be true with the reason. A mistyped code found only at assessment time
would leave the interview unusable long after the person who gave it is out of reach.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from surplace.access.policy import Actor
from surplace.assessment.facts import parse_facts
from surplace.cases.exceptions import CaseInputError
from surplace.cases.lookup import case_for, in_past, now, staff, user_names
from surplace.cases.models import Interview
from surplace.cases.schemas import InterviewIn, InterviewOut
from surplace.cases.transitions import apply
from surplace.cases.views import interview_out
from surplace.cases.workflow import workflow

_ENDED = ("closed", "cancelled")


def record_interview(session: Session, *, actor: Actor, case: str,
                     data: InterviewIn) -> InterviewOut:
    """Record an interview held on a past date by a staff account (the actor when not named).

    The interviewer must be an active account whose role may work on cases; the interpreter is
    sealed with their confidentiality undertaking recorded beside them.
    """
    row_case = case_for(session, actor, case, "case.write")
    if row_case.status in _ENDED:
        raise CaseInputError(f"Case {row_case.case_number} is {row_case.status}; re-open it "
                             "before recording an interview.")
    held_on = in_past(data.held_on, "interview date")
    if data.facts:
        parse_facts(data.facts)  # refuses with FactsError; nothing is written then
    interviewer = staff(session, data.interviewer).id if data.interviewer else actor.user_id
    row = Interview(case_id=row_case.id, held_on=held_on, interviewer_id=interviewer,
                    language=data.language, duration_minutes=data.duration_minutes,
                    interpreter_undertaking=data.interpreter_undertaking,
                    read_back=data.read_back, recorded_at=now())
    row.record = data.record
    row.interpreter = data.interpreter
    row.attendees = data.attendees or None
    row.applicant_comments = data.applicant_comments
    row.facts = data.facts or None
    session.add(row)
    session.flush()
    step = None
    if row_case.status in workflow().transitions["record_interview"].sources:
        apply(session, actor, row_case, "record_interview", {"interview": row.id}, held_on)
        step = "record_interview"
    session.flush()
    return interview_out(row, row_case.case_number, user_names(session, [interviewer]),
                         transition=step)


def facts_by_interview(session: Session, case_id: str) -> list[tuple[str, date, dict[str, Any]]]:
    """Each interview's id, date and recorded facts, oldest first (date, then recording time):
    the order in which later facts override earlier ones. Reads the sealed facts (audited); the
    caller has checked the actor may read the case."""
    rows = session.scalars(select(Interview).where(Interview.case_id == case_id)
                           .order_by(Interview.held_on, Interview.recorded_at, Interview.id))
    return [(row.id, row.held_on, dict(row.facts or {})) for row in rows]
