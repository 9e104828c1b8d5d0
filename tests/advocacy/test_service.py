"""The recommendations tracker's service on both back ends: recommendations, the append-only
status history with who and why, evidence that must exist, and access by role."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from surplace.access.policy import AccessDenied
from surplace.advocacy import service
from surplace.advocacy.exceptions import (
    EvidenceNotFound,
    HistoryIsAppendOnly,
    RecommendationNotFound,
)
from surplace.advocacy.models import RecommendationEvidence, RecommendationStatus
from surplace.errors import InvalidInput
from surplace.estimation.models import EstimateRun
from surplace.incidents import service as incident_service
from tests.advocacy.conftest import Office

REC = {"code": "syn-2015-1", "addressee": "Synthetic Government", "issuer": "Synthetic NGO",
       "issued_on": "2015-06-01", "text": "Stop synthetic returns."}


def test_add_list_show(office: Office) -> None:
    with office.unlocked.session() as session:
        added = service.add_recommendation(session, actor=office.admin, data=REC)
        assert added.code == "SYN-2015-1"  # codes are upper-cased, found either way
        assert added.status is None and added.status_label == "not judged"
        assert added.history == [] and added.citation is None
    with office.unlocked.session() as session:
        listed = service.list_recommendations(session, actor=office.staff["viewer"])
        assert [item.code for item in listed] == ["SYN-2015-1"]
        shown = service.show_recommendation(session, actor=office.staff["caseworker"],
                                            code=" syn-2015-1 ")
        assert shown.issued_on == date(2015, 6, 1) and shown.text == "Stop synthetic returns."
        assert [i.code for i in service.list_recommendations(
            session, actor=office.admin, status="not_judged")] == ["SYN-2015-1"]
        assert service.list_recommendations(session, actor=office.admin,
                                             addressee="other state") == []


def test_status_history_is_append_only_with_who_and_why(office: Office) -> None:
    researcher = office.staff["researcher"]
    with office.unlocked.session() as session:
        service.add_recommendation(session, actor=office.admin, data=REC)
        service.record_status(session, actor=office.admin, code="SYN-2015-1", data={
            "status": "not_implemented", "reason": "Returns continued in 2016."})
        service.record_status(session, actor=researcher, code="SYN-2015-1", data={
            "status": "Partially", "reason": "A pilot status exists in one province."})
        latest = service.record_status(session, actor=researcher, code="SYN-2015-1", data={
            "status": "unknown", "reason": "The pilot's fate is not reported."})
    assert latest.judged_by == researcher.user_id and latest.judged_by_name == "researcher-1"
    with office.unlocked.session() as session:
        shown = service.show_recommendation(session, actor=office.staff["analyst"],
                                            code="SYN-2015-1")
        assert shown.status == "unknown" and shown.status_label == "unknown"
        assert [(s.status, s.judged_by_name, s.reason) for s in shown.history] == [
            ("not_implemented", "admin", "Returns continued in 2016."),
            ("partially", "researcher-1", "A pilot status exists in one province."),
            ("unknown", "researcher-1", "The pilot's fate is not reported.")]
        times = [s.judged_at for s in shown.history]
        assert times == sorted(times) and len(set(times)) == 3
        listed = service.list_recommendations(session, actor=office.admin, status="unknown")
        assert [i.code for i in listed] == ["SYN-2015-1"]
    # A judgement cannot be rewritten or removed, even through the ORM directly.
    with pytest.raises(HistoryIsAppendOnly), office.unlocked.session() as session:
        first = session.scalars(select(RecommendationStatus).order_by(
            RecommendationStatus.judged_at)).first()
        assert first is not None
        first.reason = "rewritten"
        session.flush()
    with pytest.raises(HistoryIsAppendOnly), office.unlocked.session() as session:
        first = session.scalars(select(RecommendationStatus)).first()
        session.delete(first)
        session.flush()
    with office.unlocked.session() as session:
        reasons = [s.reason for s in service.show_recommendation(
            session, actor=office.admin, code="SYN-2015-1").history]
        assert reasons[0] == "Returns continued in 2016." and len(reasons) == 3


def test_evidence_must_exist_and_is_kept_with_its_note(office: Office) -> None:
    with office.unlocked.session() as session:
        service.add_recommendation(session, actor=office.admin, data=REC)
        act_id = office.document(session, 0, "forced_return", "2016-03-04")
        incident_id = incident_service.get_act(session, act_id).incident_id
        estimate = EstimateRun(subject="acts", stratum={}, lists=["SYN-MON", "SYN-LIST"],
                               method="chapman", observed=10, estimate=14.0, lower=11.0,
                               upper=22.0, details={})
        session.add(estimate)
        session.flush()
        estimate_id = estimate.id
    researcher = office.staff["researcher"]
    for kind, missing in (("act", "no-such-act"), ("incident", "no-such-incident"),
                          ("estimate", "no-such-estimate")):
        with pytest.raises(EvidenceNotFound, match=f"No {kind} 'no-such"), \
                office.unlocked.session() as session:
            service.add_evidence(session, actor=researcher, code="SYN-2015-1",
                                 data={"object_type": kind, "object_id": missing})
    with office.unlocked.session() as session:
        assert session.scalar(select(func.count()).select_from(RecommendationEvidence)) == 0
        for kind, object_id in (("act", act_id), ("incident", incident_id),
                                ("estimate", estimate_id)):
            added = service.add_evidence(session, actor=researcher, code="SYN-2015-1", data={
                "object_type": kind, "object_id": object_id, "note": f"the {kind} shows it"})
            assert added.added_by_name == "researcher-1"
    with pytest.raises(InvalidInput, match="already evidence"), \
            office.unlocked.session() as session:
        service.add_evidence(session, actor=researcher, code="SYN-2015-1",
                             data={"object_type": "act", "object_id": act_id})
    with pytest.raises(InvalidInput, match="object_type: 'person' is not a known"), \
            office.unlocked.session() as session:
        service.add_evidence(session, actor=researcher, code="SYN-2015-1",
                             data={"object_type": "person", "object_id": act_id})
    with office.unlocked.session() as session:
        shown = service.show_recommendation(session, actor=office.staff["viewer"],
                                            code="SYN-2015-1")
        assert [(e.object_type, e.object_id, e.note) for e in shown.evidence_list] == [
            ("act", act_id, "the act shows it"), ("incident", incident_id, "the incident shows it"),
            ("estimate", estimate_id, "the estimate shows it")]
        assert shown.evidence == 3


def test_roles(office: Office) -> None:
    with office.unlocked.session() as session:
        service.add_recommendation(session, actor=office.staff["researcher"], data=REC)
    judgement = {"status": "implemented", "reason": "synthetic"}
    for role in ("viewer", "analyst", "caseworker"):
        actor = office.staff[role]
        with office.unlocked.session() as session:
            assert service.list_recommendations(session, actor=actor)  # every role reads
            with pytest.raises(AccessDenied, match="advocacy write"):
                service.record_status(session, actor=actor, code="SYN-2015-1", data=judgement)
            with pytest.raises(AccessDenied, match="advocacy write"):
                service.add_recommendation(session, actor=actor, data={**REC, "code": "X-1"})
    # Indicators are counts: a viewer reads the recommendation but not the figures.
    with pytest.raises(AccessDenied, match="aggregate read"), \
            office.unlocked.session() as session:
        service.compute_indicators(session, actor=office.staff["viewer"], code="SYN-2015-1")
    with office.unlocked.session() as session:
        found = service.compute_indicators(session, actor=office.staff["analyst"],
                                           code="SYN-2015-1")
        assert {item.code for item in found.indicators} >= {"forced_returns", "detentions"}


def test_bad_input_names_the_field_and_changes_nothing(office: Office) -> None:
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    cases = [
        ({**REC, "code": "a"}, "code: 'a' must be 2–36"),
        ({**REC, "code": "HRW 2013"}, "code: 'HRW 2013' must be"),
        ({**REC, "issued_on": tomorrow}, f"issued_on: {tomorrow} is in the future"),
        ({**REC, "text": ""}, "text:"),
        ({key: value for key, value in REC.items() if key != "issuer"}, "issuer: is required"),
    ]
    for data, message in cases:
        with pytest.raises(InvalidInput, match=message), office.unlocked.session() as session:
            service.add_recommendation(session, actor=office.admin, data=data)
    with office.unlocked.session() as session:
        assert service.list_recommendations(session, actor=office.admin) == []
        service.add_recommendation(session, actor=office.admin, data=REC)
    with pytest.raises(InvalidInput, match="code: SYN-2015-1 is already taken"), \
            office.unlocked.session() as session:
        service.add_recommendation(session, actor=office.admin, data=REC)
    with pytest.raises(InvalidInput, match="status: 'implemnted' .* did you mean implemented"), \
            office.unlocked.session() as session:
        service.record_status(session, actor=office.admin, code="SYN-2015-1",
                              data={"status": "implemnted", "reason": "x"})
    with pytest.raises(InvalidInput, match="reason:"), office.unlocked.session() as session:
        service.record_status(session, actor=office.admin, code="SYN-2015-1",
                              data={"status": "implemented", "reason": " "})
    with pytest.raises(RecommendationNotFound, match="No recommendation 'NOPE-1'"), \
            office.unlocked.session() as session:
        service.record_status(session, actor=office.admin, code="NOPE-1",
                              data={"status": "implemented", "reason": "x"})
    with pytest.raises(InvalidInput, match="indicator: 'nope' is not defined"), \
            office.unlocked.session() as session:
        service.compute_indicators(session, actor=office.admin, code="SYN-2015-1",
                                   names=["nope"])
    with office.unlocked.session() as session:
        assert service.show_recommendation(session, actor=office.admin,
                                           code="SYN-2015-1").history == []
