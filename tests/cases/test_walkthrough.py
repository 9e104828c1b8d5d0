"""One case walked through every state of the workflow, on SQLite and PostgreSQL, with the work
done on it along the way; then its file, its timeline and its audit entries are checked."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from surplace.access.policy import Actor
from surplace.cases import service
from surplace.cases.models import Case, CaseTransition
from surplace.cases.schemas import InterviewIn
from surplace.cases.work_schemas import (
    AlertIn,
    AssistanceIn,
    ConsentIn,
    InterventionIn,
    InterventionUpdate,
    ReferralIn,
)
from surplace.cases.workflow import workflow
from surplace.evidence import service as evidence_service
from surplace.vault import audit_service
from surplace.vault.audit_verify import verify_chain
from tests.cases.conftest import Office

START = date.today() - timedelta(days=80)


def day(n: int) -> date:
    return START + timedelta(days=n)


def test_a_case_walks_through_every_state(office: Office, tmp_path: Path) -> None:
    number = office.open_family()
    worker, supervisor, appeals = office.worker, office.supervisor, office.colleague
    with office.session(office.admin) as session:
        service.assign_caseworker(session, actor=office.admin, case=number, user="worker-b")
        service.assign_caseworker(session, actor=office.admin, case=number, user="supervisor")
    seen = ["received"]

    def step(name: str, on: date, actor: Actor | None = None, **inputs: object) -> None:
        who = actor or worker
        with office.session(who) as session:
            moved = service.transition(session, actor=who, case=number, name=name,
                                       inputs=dict(inputs), on=on)
        seen.append(moved.to_status)

    def interview(on: date) -> None:
        with office.session() as session:
            done = service.record_interview(session, actor=worker, case=number, data=InterviewIn(
                held_on=on, language="ko", duration_minutes=150, interpreter="Synthetic interp",
                interpreter_undertaking=True, attendees=["synthetic counsel"],
                record="Synthetic record of the interview.", read_back=True,
                applicant_comments="Synthetic: correct as read back.",
                facts={"outside_dprk": True, "contact_with_christians": True}))
        assert done.transition == "record_interview"
        seen.append("interviewed")

    step("register", day(1))
    step("decide_processing", day(2), modality="regular")
    interview(day(5))
    step("assess", day(8))
    step("review", day(9), supervisor)
    step("decide", day(10), outcome="rejection", reason="Synthetic: no nexus found.")
    step("notify", day(11), notified_on=day(11), method="in person")
    with office.session() as session:
        assert session.scalars(select(Case.appeal_deadline)).one() == day(41)
    step("lodge_appeal", day(12), reason="Synthetic: new evidence of church contact.")
    step("decide_appeal", day(20), appeals, outcome="refugee_status",
         reason="Synthetic: sur place claim accepted.")
    step("close", day(21), reason="Synthetic: decision final.")
    step("reopen", day(30), reason="Synthetic: new facts.")
    step("decide_processing", day(31), modality="simplified")
    interview(day(32))
    step("assess", day(33))
    step("return_for_interview", day(34), supervisor, reason="Synthetic: gaps in the account.")
    interview(day(35))
    interview(day(36))  # a second interview keeps the case interviewed
    step("assess", day(37))
    step("assess", day(38))  # a revised assessment
    step("review", day(39), supervisor)
    step("decide", day(40), outcome="humanitarian_status", reason="Synthetic: grant.")
    step("notify", day(41))
    step("close", day(42), reason="Synthetic: resettled.")
    step("cancel", day(43), supervisor, reason="Synthetic: 1F facts found.")

    assert set(seen) == set(workflow().states)
    assert seen[-3:] == ["notified", "closed", "cancelled"]

    # The work on the case, on its own days (a past date for each).
    with office.session() as session:
        service.record_consent(session, actor=worker, case=number, data=ConsentIn(
            scope="case_file", recipient="any", recorded_on=day(3), note="Synthetic consent."))
        service.record_assistance(session, actor=worker, case=number, data=AssistanceIn(
            kind="food", quantity=3, given_on=day(6), note="Synthetic hand-over."))
        started = service.start_intervention(session, actor=worker, case=number,
                                             data=InterventionIn(kind="legal_aid",
                                                                 acting_body="Synthetic Law",
                                                                 started_on=day(13)))
        service.update_intervention(session, actor=worker, intervention=started.id,
                                    data=InterventionUpdate(status="succeeded",
                                                            completed_on=day(19)))
        alert = service.raise_alert(session, actor=worker, case=number,
                                    data=AlertIn(kind="missing", note="Synthetic note."))
        service.resolve_alert(session, actor=worker, alert=alert.id, resolution="Found.")
        service.refer_case(session, actor=worker, case=number,
                           data=ReferralIn(to_organisation="Synthetic Shelter Org"))
    evidence_file = tmp_path / "synthetic.txt"
    evidence_file.write_text("synthetic evidence", encoding="utf-8")
    evidence_service.add_evidence(office.unlocked, path=evidence_file, case=number,
                                  captured_at=datetime.combine(day(4), datetime.min.time(), UTC))

    with office.session() as session:
        shown = service.show_case(session, actor=worker, case=number)
        entries = service.timeline(session, actor=worker, case=number)
    assert shown.status == "cancelled" and shown.outcome == "humanitarian_status"
    assert shown.closed_at is not None and shown.processing == "simplified"
    assert [m.pseudonym for m in shown.members] == [office.persons[k]
                                                    for k in ("principal", "child", "husband")]
    assert "Ryom Synthetic-hwa" in shown.members[0].names
    assert len(shown.interviews) == 4 and shown.interviews[0].facts["outside_dprk"] is True
    assert {w.name for w in shown.caseworkers} == {"worker-a", "worker-b", "supervisor"}

    # The timeline: every item, in the order things happened.
    transitions = [e for e in entries if e.kind == "transition"]
    assert [e.title.split(":")[0] for e in transitions][:3] == ["register",
                                                              "decide processing",
                                                              "record interview"]
    assert len(transitions) == len(seen) - 1
    assert [(e.on, e.at) for e in entries] == sorted((e.on, e.at) for e in entries)
    kinds = [e.kind for e in entries]
    for kind in ("transition", "interview", "alert", "alert_resolved", "intervention",
                 "intervention_ended", "assistance", "referral", "consent", "evidence"):
        assert kind in kinds, kind
    order = [(e.kind, e.on) for e in entries if e.kind != "transition"]
    assert order[:4] == [("consent", day(3)), ("evidence", day(4)), ("interview", day(5)),
                         ("assistance", day(6))]
    assert ("intervention", day(13)) in order and ("intervention_ended", day(19)) in order
    decided = next(e for e in transitions if e.title.startswith("decide appeal"))
    assert decided.actor == "worker-b" and decided.detail["outcome"] == "refugee_status"
    assert decided.detail["reason"] == "Synthetic: sur place claim accepted."

    # The audit chain holds every step, by the officer who made it, and the reads of the file.
    with office.session(office.admin) as session:
        rows = session.execute(select(CaseTransition.id, CaseTransition.actor_id)).all()
        assert session.scalar(select(func.count()).select_from(CaseTransition)) == len(seen) - 1
    created = {e.object_id: e for e in audit_service.list_entries(
        office.unlocked, object_type="case_transition", action="create", limit=1000)}
    assert {str(row[0]): row[1] for row in rows} == {
        object_id: entry.actor_id for object_id, entry in created.items()}
    for entry in created.values():
        assert set(json.loads(entry.detail or "{}")["fields"]) >= {"reason", "to_status"}
    updates = audit_service.list_entries(office.unlocked, object_type="protection_case",
                                         action="update", limit=1000)
    changes = sum(before != after for before, after in zip(seen, seen[1:], strict=False))
    assert sum("status" in json.loads(e.detail or "{}")["fields"] for e in updates) == changes
    reads = {e.field for e in audit_service.list_entries(
        office.unlocked, object_type="protection_case", action="read", limit=1000)
        if e.actor_id == worker.user_id}
    assert reads >= {"summary", "languages", "specific_needs", "current_location"}
    for entry in audit_service.list_entries(office.unlocked, limit=5000):
        assert "Synthetic" not in (entry.detail or ""), entry
    with office.unlocked.store.session() as session:
        assert verify_chain(session, office.unlocked.keyring).ok
