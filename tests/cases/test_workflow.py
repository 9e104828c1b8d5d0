"""The case workflow as data: every state reachable, every illegal move refused with its rule."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from surplace.cases.exceptions import IllegalTransition
from surplace.cases.workflow import CaseState, plan, workflow

TODAY = date(2026, 11, 30)


def walk(case: CaseState, name: str, actor: str = "officer-a", **inputs: object) -> CaseState:
    move = plan(case, name, actor_id=actor, inputs=dict(inputs), today=TODAY)
    case.status = move.target
    case.history.append((name, actor))
    if "outcome" in inputs:
        case.outcome = str(inputs["outcome"])
    if move.appeal_deadline:
        case.appeal_deadline = move.appeal_deadline
    return case


def test_a_rejected_case_walks_through_every_state_to_appeal_and_closure() -> None:
    case = CaseState(status=workflow().initial)
    seen = [case.status]
    for step, actor, inputs in [
        ("register", "officer-a", {}),
        ("decide_processing", "officer-a", {"modality": "accelerated"}),
        ("record_interview", "officer-a", {"interview": "i-1"}),
        ("assess", "officer-a", {}),
        ("review", "supervisor", {}),
        ("decide", "officer-a", {"outcome": "rejection", "reason": "no nexus found"}),
        ("notify", "officer-a", {"notified_on": TODAY - timedelta(days=3)}),
        ("lodge_appeal", "officer-a", {"reason": "new evidence of church contact"}),
        ("decide_appeal", "appeal-officer", {"outcome": "refugee_status", "reason": "sur place"}),
        ("close", "officer-a", {"reason": "decision final"}),
    ]:
        walk(case, step, actor, **inputs)
        seen.append(case.status)
    assert seen == ["received", "registered", "processing_decided", "interviewed", "assessed",
                    "reviewed", "decided", "notified", "appeal_lodged", "appeal_decided",
                    "closed"]
    walk(case, "reopen", reason="new facts")
    assert case.status == "registered"


def test_the_appeal_deadline_is_computed_from_notification() -> None:
    case = CaseState(status="decided", outcome="rejection")
    move = plan(case, "notify", actor_id="a", inputs={"notified_on": date(2026, 11, 1)},
                today=TODAY)
    assert move.appeal_deadline == date(2026, 12, 1)
    granted = CaseState(status="decided", outcome="refugee_status")
    assert plan(granted, "notify", actor_id="a", inputs={"notified_on": TODAY},
                today=TODAY).appeal_deadline is None


@pytest.mark.parametrize("status, step, inputs, rule", [
    ("received", "decide", {"outcome": "rejection", "reason": "x"}, "must be reviewed"),
    ("registered", "decide_processing", {}, "needs: modality"),
    ("registered", "decide_processing", {"modality": "express"}, "Unknown processing modality"),
    ("reviewed", "decide", {"outcome": "asylum", "reason": "x"}, "Unknown outcome"),
    ("decided", "notify", {"notified_on": TODAY + timedelta(days=1)}, "in the future"),
    ("closed", "assess", {}, "Allowed from closed: reopen, cancel"),
    ("received", "fly_away", {}, "There is no transition"),
])
def test_illegal_moves_are_refused_with_the_rule(status: str, step: str,
                                                 inputs: dict[str, object], rule: str) -> None:
    with pytest.raises(IllegalTransition, match=rule):
        plan(CaseState(status=status), step, actor_id="a", inputs=inputs, today=TODAY)


def test_review_and_appeal_need_another_officer() -> None:
    case = CaseState(status="assessed", history=[("assess", "officer-a")])
    with pytest.raises(IllegalTransition, match="someone other than the officer who did 'assess'"):
        plan(case, "review", actor_id="officer-a", inputs={}, today=TODAY)
    appeal = CaseState(status="appeal_lodged", outcome="rejection",
                       history=[("decide", "officer-a")])
    with pytest.raises(IllegalTransition, match="'decide'"):
        plan(appeal, "decide_appeal", actor_id="officer-a",
             inputs={"outcome": "rejection", "reason": "x"}, today=TODAY)
    assert plan(appeal, "decide_appeal", actor_id="officer-b",
                inputs={"outcome": "rejection", "reason": "x"}, today=TODAY).target == (
        "appeal_decided")


def test_appeals_only_against_rejection_and_within_the_deadline() -> None:
    granted = CaseState(status="notified", outcome="refugee_status")
    with pytest.raises(IllegalTransition, match="outcome is rejection"):
        plan(granted, "lodge_appeal", actor_id="a", inputs={"reason": "x"}, today=TODAY)
    late = CaseState(status="notified", outcome="rejection",
                     appeal_deadline=TODAY - timedelta(days=1))
    with pytest.raises(IllegalTransition, match="appeal deadline was"):
        plan(late, "lodge_appeal", actor_id="a", inputs={"reason": "x"}, today=TODAY)


def test_cancellation_only_of_a_granted_status() -> None:
    with pytest.raises(IllegalTransition, match="refugee_status"):
        plan(CaseState(status="closed", outcome="rejection"), "cancel", actor_id="a",
             inputs={"reason": "fraud"}, today=TODAY)
    assert plan(CaseState(status="closed", outcome="refugee_status"), "cancel", actor_id="a",
                inputs={"reason": "1F facts"}, today=TODAY).target == "cancelled"


def test_every_state_has_labels_in_three_languages_and_is_reachable() -> None:
    flow = workflow()
    for table in (flow.states, flow.modalities, flow.outcomes):
        for term, labels in table.items():
            assert {"en", "ko", "zh"} <= set(labels), term
            assert all(labels[language].strip() for language in ("en", "ko", "zh")), term
    reachable = {flow.initial} | {t.target for t in flow.transitions.values()}
    assert reachable == set(flow.states)
