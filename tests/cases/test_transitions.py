"""Refusals of the workflow through the service, on a real store: every move the workflow does
not allow, the rules that need another officer, dates, and that a refusal writes nothing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from surplace.access.policy import Actor
from surplace.cases import service
from surplace.cases.exceptions import CaseInputError, FutureDate, IllegalTransition
from surplace.cases.models import Case, CaseTransition
from surplace.cases.schemas import InterviewIn
from surplace.cases.work_schemas import AssistanceIn, ConsentIn, InterventionIn
from surplace.cases.workflow import workflow
from tests.cases.conftest import Office, table_digests

TODAY = date.today()
FLOW = workflow()
ILLEGAL = [(state, name) for state in FLOW.states for name, item in FLOW.transitions.items()
           if state not in item.sources]
INPUTS = {"reason": "Synthetic reason.", "outcome": "refugee_status", "modality": "regular",
          "notified_on": TODAY, "interview": "none"}


def _case_in(office: Office, status: str) -> str:
    number = office.open()
    with office.session() as session:
        session.execute(update(Case).where(Case.case_number == number).values(status=status))
    return number


def _count(office: Office) -> int:
    with office.session() as session:
        return int(session.scalar(select(func.count()).select_from(CaseTransition)) or 0)


def test_the_table_of_illegal_moves_is_complete() -> None:
    allowed = sum(len(item.sources) for item in FLOW.transitions.values())
    assert len(ILLEGAL) + allowed == len(FLOW.states) * len(FLOW.transitions)
    assert ("received", "decide") in ILLEGAL and ("closed", "reopen") not in ILLEGAL


@pytest.mark.parametrize("state, name", ILLEGAL, ids=[f"{s}-{n}" for s, n in ILLEGAL])
def test_every_illegal_move_is_refused_with_its_rule(shared_office: Office, state: str,
                                                     name: str) -> None:
    office = shared_office
    number = _case_in(office, state)
    before = _count(office)
    with pytest.raises(IllegalTransition) as refused, office.session() as session:
        service.transition(session, actor=office.worker, case=number, name=name,
                           inputs=dict(INPUTS))
    message = str(refused.value)
    assert f"a case that is {state}" in message
    assert " or ".join(FLOW.transitions[name].sources) in message
    assert f"Allowed from {state}:" in message
    assert _count(office) == before
    with office.session() as session:
        assert session.scalars(select(Case.status).where(Case.case_number == number)).one() == (
            state)


def _walk_to(office: Office, number: str, *steps: tuple[str, dict[str, Any]]) -> None:
    for name, inputs in steps:
        actor: Actor = inputs.pop("actor", office.worker)
        with office.session(actor) as session:
            service.transition(session, actor=actor, case=number, name=name, inputs=inputs)


def test_review_and_appeal_need_another_officer(shared_office: Office) -> None:
    office = shared_office
    number = office.open()
    _walk_to(office, number, ("register", {}), ("decide_processing", {"modality": "regular"}))
    with office.session() as session:
        service.record_interview(session, actor=office.worker, case=number,
                                 data=InterviewIn(held_on=TODAY))
    _walk_to(office, number, ("assess", {}))
    with pytest.raises(IllegalTransition, match="someone other than the officer who did "
                                                "'assess'"), office.session() as session:
        service.transition(session, actor=office.worker, case=number, name="review")
    with office.session(office.admin) as session:
        service.assign_caseworker(session, actor=office.admin, case=number, user="supervisor")
    _walk_to(office, number, ("review", {"actor": office.supervisor}),
             ("decide", {"outcome": "rejection", "reason": "Synthetic."}),
             ("notify", {}), ("lodge_appeal", {"reason": "Synthetic appeal."}))
    before = table_digests(office.unlocked.store)
    with pytest.raises(IllegalTransition, match="someone other than the officer who did "
                                                "'decide'"), office.session() as session:
        service.transition(session, actor=office.worker, case=number, name="decide_appeal",
                           inputs={"outcome": "refugee_status", "reason": "Synthetic."})
    assert table_digests(office.unlocked.store) == before
    _walk_to(office, number, ("decide_appeal", {"actor": office.supervisor,
                                                "outcome": "refugee_status",
                                                "reason": "Synthetic."}),
             ("close", {"reason": "Synthetic."}))


@pytest.mark.parametrize("what", ["transition", "notification", "interview", "assistance",
                                  "intervention", "consent"])
def test_dates_in_the_future_are_refused(shared_office: Office, what: str) -> None:
    office = shared_office
    number = office.open()
    tomorrow = TODAY + timedelta(days=1)
    before = table_digests(office.unlocked.store)
    with pytest.raises(FutureDate, match=f"{tomorrow.isoformat()} is in the future"), \
            office.session() as session:
        actor = office.worker
        if what == "transition":
            service.transition(session, actor=actor, case=number, name="register", on=tomorrow)
        elif what == "notification":
            session.execute(update(Case).where(Case.case_number == number).values(
                status="decided", outcome="rejection"))
            service.transition(session, actor=actor, case=number, name="notify",
                               inputs={"notified_on": tomorrow})
        elif what == "interview":
            service.record_interview(session, actor=actor, case=number,
                                     data=InterviewIn(held_on=tomorrow))
        elif what == "assistance":
            service.record_assistance(session, actor=actor, case=number,
                                      data=AssistanceIn(kind="food", quantity=1,
                                                        given_on=tomorrow))
        elif what == "intervention":
            service.start_intervention(session, actor=actor, case=number,
                                       data=InterventionIn(kind="advocacy",
                                                           started_on=tomorrow))
        else:
            service.record_consent(session, actor=actor, case=number,
                                   data=ConsentIn(scope="identity", recorded_on=tomorrow))
    assert table_digests(office.unlocked.store) == before


def test_a_step_dated_before_the_last_one_is_refused(shared_office: Office) -> None:
    office = shared_office
    number = office.open()
    _walk_to(office, number, ("register", {}))
    with pytest.raises(CaseInputError, match="before case .* last step \\(register on"), \
            office.session() as session:
        service.transition(session, actor=office.worker, case=number, name="close",
                           inputs={"reason": "x"}, on=TODAY - timedelta(days=3))


def test_an_interview_that_cannot_move_the_case_leaves_nothing(shared_office: Office) -> None:
    """The interview row is written first, then the step refused: both are rolled back."""
    office = shared_office
    number = office.open()
    _walk_to(office, number, ("register", {}), ("decide_processing", {"modality": "regular"}))
    before = table_digests(office.unlocked.store)
    with pytest.raises(CaseInputError, match="before case"), office.session() as session:
        service.record_interview(session, actor=office.worker, case=number,
                                 data=InterviewIn(held_on=TODAY - timedelta(days=2),
                                                  record="Synthetic words."))
    assert table_digests(office.unlocked.store) == before


@pytest.mark.parametrize("name, inputs, rule", [
    ("close", {}, "Close needs: reason"),
    ("fly_away", {}, "There is no transition 'fly_away'"),
    ("decide_processing", {"modality": "express"}, "Unknown processing modality"),
    ("decide_processing", {}, "needs: modality"),
])
def test_missing_or_wrong_inputs_name_the_rule(shared_office: Office, name: str,
                                               inputs: dict[str, object], rule: str) -> None:
    office = shared_office
    number = office.open()
    if name == "decide_processing":
        _walk_to(office, number, ("register", {}))
    with pytest.raises(IllegalTransition, match=rule), office.session() as session:
        service.transition(session, actor=office.worker, case=number, name=name, inputs=inputs)
