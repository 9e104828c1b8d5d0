"""Interviews, assistance and its totals, and changes to the case file."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pydantic import ValidationError

from surplace.access.policy import AccessDenied
from surplace.cases import service
from surplace.cases.exceptions import CaseInputError, UnknownCaseworker
from surplace.cases.schemas import CaseUpdate, InterviewIn
from surplace.cases.work_schemas import AssistanceIn
from surplace.errors import InvalidInput
from tests.cases.conftest import Office

TODAY = date.today()
LAST_MONTH = TODAY.replace(day=1) - timedelta(days=1)


def test_an_interview_records_everything_and_moves_the_case_once_processing_is_decided(
        shared_office: Office) -> None:
    office = shared_office
    number = office.open()
    with office.session() as session:
        first = service.record_interview(session, actor=office.worker, case=number,
                                         data=InterviewIn(held_on=TODAY, record="Reception."))
        assert first.transition is None  # at reception: recorded, the case does not move
        service.transition(session, actor=office.worker, case=number, name="register")
        service.transition(session, actor=office.worker, case=number, name="decide_processing",
                           inputs={"modality": "simplified"})
        done = service.record_interview(session, actor=office.worker, case=number,
                                        data=InterviewIn(
            held_on=TODAY, interviewer="supervisor", language="KO", duration_minutes=95,
            interpreter="Synthetic interpreter", interpreter_undertaking=True,
            attendees=["Synthetic guardian"], record="Synthetic record.", read_back=True,
            applicant_comments="Synthetic comment.",
            facts={"times_crossed": 2, "contact_with_south_koreans": True, "age": None}))
        shown = service.show_case(session, actor=office.worker, case=number)
    assert done.transition == "record_interview" and shown.status == "interviewed"
    assert done.interviewer == "supervisor" and done.language == "ko"
    interview = shown.interviews[-1]
    assert interview.facts == {"times_crossed": 2, "contact_with_south_koreans": True,
                               "age": None}
    assert (interview.interpreter, interview.attendees, interview.applicant_comments) == (
        "Synthetic interpreter", ["Synthetic guardian"], "Synthetic comment.")
    assert shown.transitions[-1].details == {"interview": done.id}


@pytest.mark.parametrize("facts, problem", [
    ({"Left DPRK": 1}, "snake_case"),
    ({"1st_crossing": 1}, "snake_case"),
    ({"family": {"mother": "x"}}, "facts.family"),
    ({"places": ["a", "b"]}, "facts.places"),
])
def test_interview_facts_are_fact_codes_with_scalar_values(facts: dict[str, object],
                                                           problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        InterviewIn.model_validate({"held_on": TODAY, "facts": facts})


def test_interview_refusals(shared_office: Office) -> None:
    office = shared_office
    number = office.open()
    with pytest.raises(UnknownCaseworker, match="'nobody'"), office.session() as session:
        service.record_interview(session, actor=office.worker, case=number,
                                 data=InterviewIn(held_on=TODAY, interviewer="nobody"))
    with pytest.raises(InvalidInput, match="'kr' is not a known language; did you mean"):
        InterviewIn(held_on=TODAY, language="kr")
    with office.session() as session:
        service.transition(session, actor=office.worker, case=number, name="close",
                           inputs={"reason": "Synthetic: withdrawn."})
    with pytest.raises(CaseInputError, match="is closed; re-open it"), \
            office.session() as session:
        service.record_interview(session, actor=office.worker, case=number,
                                 data=InterviewIn(held_on=TODAY))


def test_assistance_totals_by_kind_and_month(shared_office: Office) -> None:
    office = shared_office
    first, second = office.open(), office.open()
    given = [(first, "food", 2, LAST_MONTH), (first, "food", 3, TODAY),
             (second, "food", 5, TODAY), (second, "cash", 300, TODAY),
             (first, "transport", 1, TODAY)]
    with office.session() as session:
        for number, kind, quantity, on in given:
            out = service.record_assistance(session, actor=office.worker, case=number,
                                            data=AssistanceIn(kind=kind, quantity=quantity,
                                                              given_on=on))
            assert out.unit == {"food": "ration", "cash": "CNY", "transport": "trip"}[kind]
        of_first = service.assistance_totals(session, actor=office.worker, case=first)
        period = service.assistance_totals(session, actor=office.analyst, since=TODAY.replace(
            day=1), until=TODAY, by_month=False)
    month, previous = TODAY.strftime("%Y-%m"), LAST_MONTH.strftime("%Y-%m")
    assert [(t.kind, t.month, t.quantity) for t in of_first] == [
        ("food", previous, 2), ("food", month, 3), ("transport", month, 1)]
    mine = {(t.kind, t.unit): (t.quantity, t.count, t.cases) for t in period
            if t.kind in ("food", "cash")}
    assert mine[("food", "ration")][0] >= 8 and mine[("cash", "CNY")][0] >= 300
    # Without aggregate rights, a caseworker's totals cover only cases they may read.
    with office.session(office.colleague) as session:
        assert service.assistance_totals(session, actor=office.colleague) == []
    with pytest.raises(AccessDenied), office.session(office.colleague) as session:
        service.assistance_totals(session, actor=office.colleague, case=first)
    with pytest.raises(ValidationError, match="greater than 0"):
        AssistanceIn(kind="food", quantity=0)
    with pytest.raises(InvalidInput, match="did you mean medicine"):
        AssistanceIn(kind="medecine", quantity=1)


def test_changing_the_risk_is_noted_in_the_history(shared_office: Office) -> None:
    office = shared_office
    number = office.open(specific_needs=["pregnancy"])
    with office.session() as session:
        service.update_case(session, actor=office.worker, case=number, data=CaseUpdate(
            risk="high", current_location="Synthetic new shelter", specific_needs=[
                "pregnancy", "Single_Parent"], reason="Synthetic: seen near the house."))
        shown = service.show_case(session, actor=office.worker, case=number)
        entries = service.timeline(session, actor=office.worker, case=number)
    assert shown.risk == "high" and shown.current_location == "Synthetic new shelter"
    assert shown.specific_needs == ["pregnancy", "single_parent"]
    noted = [e for e in entries if e.kind == "note"]
    assert noted[0].title == "set risk: risk normal → high"
    assert noted[0].detail["reason"] == "Synthetic: seen near the house."
    with pytest.raises(InvalidInput, match="'urgent' is not a known risk"):
        CaseUpdate(risk="urgent")
