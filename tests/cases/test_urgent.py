"""Urgent action: an alert of detention or imminent deportation accelerates the case at once;
overdue alerts come first in every list; interventions run to an end and stay there."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from surplace.cases import service
from surplace.cases.exceptions import IllegalTransition, WorkItemClosed
from surplace.cases.models import Case, CaseTransition
from surplace.cases.work_schemas import AlertIn, InterventionIn, InterventionUpdate
from surplace.errors import InvalidInput
from tests.cases.conftest import Office


def _case(office: Office, number: str) -> Case:
    with office.session() as session:
        return session.scalars(select(Case).where(Case.case_number == number)).one()


def _raise(office: Office, number: str, kind: str, **fields: object) -> str:
    with office.session() as session:
        return service.raise_alert(session, actor=office.worker, case=number,
                                   data=AlertIn.model_validate({"kind": kind, **fields})).id


@pytest.mark.parametrize("kind", ["detained", "deportation_imminent"])
def test_detention_or_deportation_accelerates_a_case_in_process(shared_office: Office,
                                                                kind: str) -> None:
    office = shared_office
    number = office.open()
    for name, inputs in (("register", {}), ("decide_processing", {"modality": "regular"})):
        with office.session() as session:
            service.transition(session, actor=office.worker, case=number, name=name,
                               inputs=inputs)
    assert (_case(office, number).processing, _case(office, number).risk) == ("regular",
                                                                              "normal")
    with office.session() as session:
        alert = service.raise_alert(session, actor=office.worker, case=number,
                                    data=AlertIn(kind=kind, note="Synthetic: held at a post."))
    assert alert.accelerated and alert.priority == 1
    hours = {"detained": 24, "deportation_imminent": 12}[kind]
    assert abs((alert.deadline - alert.raised_at) - timedelta(hours=hours)) < timedelta(seconds=1)
    case = _case(office, number)
    assert (case.processing, case.risk, case.status) == ("accelerated", "critical",
                                                         "processing_decided")
    with office.session() as session:
        noted = session.scalars(select(CaseTransition).where(
            CaseTransition.case_id == case.id, CaseTransition.transition == "accelerate")).one()
        assert noted.details == {"alert": alert.id, "kind": kind,
                                 "processing": ["regular", "accelerated"],
                                 "risk": ["normal", "critical"]}
        entries = service.timeline(session, actor=office.worker, case=number)
    assert any(e.kind == "note" and "processing regular → accelerated" in e.title
               for e in entries)
    # A second alert changes nothing more, and notes nothing.
    with office.session() as session:
        again = service.raise_alert(session, actor=office.worker, case=number,
                                    data=AlertIn(kind="detained"))
    assert not again.accelerated


def test_before_the_decision_accelerated_is_the_default_and_regular_needs_a_reason(
        shared_office: Office) -> None:
    office = shared_office
    number = office.open()
    _raise(office, number, "deportation_imminent")
    assert _case(office, number).processing == "accelerated"
    with office.session() as session:
        service.transition(session, actor=office.worker, case=number, name="register")
    with pytest.raises(IllegalTransition, match="accelerated by default, and choosing regular "
                                                "needs an override reason"), \
            office.session() as session:
        service.transition(session, actor=office.worker, case=number,
                           name="decide_processing", inputs={"modality": "regular"})
    with office.session() as session:
        moved = service.transition(session, actor=office.worker, case=number,
                                   name="decide_processing")
    assert moved.modality == "accelerated"

    other = office.open(risk="critical")
    with office.session() as session:
        service.transition(session, actor=office.worker, case=other, name="register")
        overridden = service.transition(
            session, actor=office.worker, case=other, name="decide_processing",
            inputs={"modality": "regular", "override_reason": "Synthetic: now in a third country."})
    assert overridden.modality == "regular"
    assert overridden.details == {"override_reason": "Synthetic: now in a third country."}


def test_missing_and_medical_alerts_do_not_change_processing(shared_office: Office) -> None:
    office = shared_office
    number = office.open()
    _raise(office, number, "missing")
    _raise(office, number, "medical_emergency", priority=2)
    case = _case(office, number)
    assert (case.processing, case.risk) == (None, "normal")


def test_overdue_alerts_come_first(shared_office: Office) -> None:
    office = shared_office
    now = datetime.now(UTC)
    calm = office.open()
    later = office.open()
    soon = office.open()
    late = office.open()
    _raise(office, later, "missing", deadline=now + timedelta(days=3))
    _raise(office, soon, "medical_emergency", deadline=now + timedelta(hours=2))
    overdue_id = _raise(office, late, "detained", deadline=now - timedelta(hours=1),
                        note="Synthetic: news arrived late.")
    with office.session() as session:
        listed = [c.case_number for c in service.list_cases(session, actor=office.worker)
                  if c.case_number in (calm, later, soon, late)]
        urgent = [c for c in service.list_cases(session, actor=office.worker, urgent=True)
                  if c.case_number in (calm, later, soon, late)]
        alerts = [a for a in service.list_alerts(session, actor=office.worker)
                  if a.case_number in (later, soon, late)]
    assert listed == [late, soon, later, calm]
    assert [c.case_number for c in urgent] == [late, soon, later]
    assert urgent[0].overdue_alerts == 1 and urgent[1].overdue_alerts == 0
    assert [a.case_number for a in alerts] == [late, soon, later]
    assert alerts[0].overdue and not alerts[1].overdue and alerts[0].note is None
    # Every list puts an overdue case first, whatever else sorts it.
    with office.session() as session:
        everything = service.list_cases(session, actor=office.admin)
    first_calm = next(i for i, c in enumerate(everything) if c.overdue_alerts == 0)
    assert all(c.overdue_alerts == 0 for c in everything[first_calm:])
    with office.session() as session:
        resolved = service.resolve_alert(session, actor=office.worker, alert=overdue_id,
                                         resolution="Synthetic: released.")
    assert resolved.resolved_at is not None and not resolved.overdue
    with pytest.raises(WorkItemClosed, match="was resolved"), office.session() as session:
        service.resolve_alert(session, actor=office.worker, alert=overdue_id)
    with office.session() as session:
        urgent_after = [c.case_number for c in service.list_cases(
            session, actor=office.worker, urgent=True) if c.case_number in (later, soon, late)]
    assert urgent_after == [soon, later]


def test_an_unknown_alert_kind_suggests_the_nearest() -> None:
    with pytest.raises(InvalidInput, match="'detaned' is not a known alert kind; did you mean "
                                           "detained"):
        AlertIn(kind="detaned")


def test_interventions_run_to_an_end_and_stay_there(shared_office: Office) -> None:
    office = shared_office
    number = office.open()
    alert = _raise(office, number, "detained")
    with office.session() as session:
        started = service.start_intervention(
            session, actor=office.worker, case=number,
            data=InterventionIn(kind="unhcr_contact", acting_body="UNHCR (synthetic)",
                                alert_id=alert, status="in_progress",
                                description="Synthetic: called the protection line."))
        assert started.completed_on is None
        done = service.update_intervention(
            session, actor=office.worker, intervention=started.id,
            data=InterventionUpdate(status="failed", outcome_note="Synthetic: no answer."))
    assert done.status == "failed" and done.completed_on == date.today()
    with pytest.raises(WorkItemClosed, match="is over"), office.session() as session:
        service.update_intervention(session, actor=office.worker, intervention=started.id,
                                    data=InterventionUpdate(status="succeeded"))
