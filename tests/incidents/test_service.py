"""Incidents, acts, perpetrators, chains and interventions through the service, with access
checked by role."""

from __future__ import annotations

import pytest

from surplace.access.policy import AccessDenied
from surplace.incidents import claims, counts, service
from surplace.incidents.exceptions import ActNotFound, IncidentNotFound
from tests.incidents.conftest import Office


def test_an_incident_with_acts_perpetrators_chain_and_intervention(office: Office) -> None:
    researcher = office.staff["researcher"]
    with office.unlocked.session() as session:
        incident = service.add_incident(session, actor=researcher, data={
            "title": "Synthetic round-up in Yanji", "description": "Synthetic account.",
            "start_date": "2024-04-20", "place": "CN-JL"})
        arrest = service.add_act(session, actor=researcher, data={
            "incident_id": incident.id, "act_type": "arrest", "victim": office.people["kum"],
            "date": "2024-04-20", "place": "CN-JL", "detention_kind": "cn_police_cell",
            "legal_counsel": False, "whereabouts": "synthetic police station",
            "perpetrators": [{"unit": "cn_psb", "degree": "direct_perpetrator"}]})
        returned = service.add_act(session, actor=researcher, data={
            "incident_id": incident.id, "act_type": "forced_return",
            "victim": office.people["kum"], "date": "2024-04-26", "place": "KP-09",
            "return_from_place": "CN-JL", "handed_to_unit": "kp_mss",
            "victim_status": "handed_over"})
        service.add_involvement(session, actor=researcher, act_id=returned.id, data={
            "person": office.people["officer"], "unit": "cn_border_police",
            "degree": "ordered"})
        service.link_acts(session, actor=researcher, data={
            "from_act": arrest.id, "to_act": returned.id, "relation": "handed_over"})
        service.add_intervention(session, actor=researcher, data={
            "incident_id": incident.id, "kind": "un_communication", "started_on": "2024-04-22",
            "acting_body": "Synthetic NGO", "status": "no_response",
            "description": "Synthetic letter.", "outcome": "No reply."})
    with office.unlocked.session() as session:
        shown = service.show_incident(session, actor=researcher, incident_id=incident.id)
    assert shown.title == "Synthetic round-up in Yanji" and shown.place == "CN-JL"
    assert [a.act_type for a in shown.act_list] == ["arrest", "forced_return"]
    first, second = shown.act_list
    assert first.extensions == {"detention_kind": "cn_police_cell", "legal_counsel": False,
                                "whereabouts": "synthetic police station"}
    assert first.province == "CN-JL" and second.province == "KP-09"
    assert second.extensions["return_from_place"] == "CN-JL"
    assert {(p.unit, p.person, p.degree) for p in second.involvements} == {
        ("cn_border_police", office.people["officer"], "ordered")}
    assert [(c.from_act, c.relation) for c in second.chain] == [(first.id, "handed_over")]
    assert [(i.kind, i.status, i.outcome) for i in shown.interventions] == [
        ("un_communication", "no_response", "No reply.")]
    assert not first.documented  # no source yet


def test_list_filters_and_status(office: Office) -> None:
    with office.unlocked.session() as session:
        returned = claims.add_claim(session, actor=office.admin, data=office.claim(
            "NGO-A", "kum", date="2023-05-02", place="CN-JL"))
        claims.add_claim(session, actor=office.admin, data=office.claim(
            "NGO-A", "chol", act_type="arrest", date="2024-01-09", place="CN-LN"))
        service.set_monitoring_status(session, actor=office.admin,
                                      incident_id=str(returned.incident_id), status="closed")
    with office.unlocked.session() as session:
        every = service.list_incidents(session, actor=office.admin)
        returns = service.list_incidents(session, actor=office.admin,
                                         act_type="forced_return")
        in_2024 = service.list_incidents(session, actor=office.admin, year=2024)
        closed = service.list_incidents(session, actor=office.admin, monitoring_status="closed")
        of_chol = service.list_incidents(session, actor=office.admin,
                                         victim=office.people["chol"])
    assert [i.start_date.year for i in every if i.start_date] == [2024, 2023]  # newest first
    assert [i.id for i in returns] == [returned.incident_id] == [i.id for i in closed]
    assert [i.act_types for i in in_2024] == [["arrest"]] == [i.act_types for i in of_chol]
    assert every[1].title == f"forced return (refoulement): {office.people['kum']}"


def test_roles(office: Office) -> None:
    with office.unlocked.session() as session:
        made = claims.add_claim(session, actor=office.staff["researcher"], data=office.claim(
            "NGO-A", "kum", date="2023-05-02"))
        assert counts.count_acts(session, actor=office.staff["analyst"]).total == 1
        for role, call in [
            ("analyst", lambda a: service.show_incident(session, actor=a,
                                                        incident_id=str(made.incident_id))),
            ("viewer", lambda a: service.list_incidents(session, actor=a)),
            ("viewer", lambda a: counts.count_acts(session, actor=a)),
            ("caseworker", lambda a: counts.capture_histories(session, actor=a)),
            ("analyst", lambda a: claims.add_claim(session, actor=a, data=office.claim(
                "NGO-B", "kum", date="2023-05-02"))),
        ]:
            with pytest.raises(AccessDenied):
                call(office.staff[role])
        with pytest.raises(IncidentNotFound):
            service.show_incident(session, actor=office.admin, incident_id="nothing")
        with pytest.raises(ActNotFound):
            service.show_act(session, actor=office.admin, act_id="nothing")
