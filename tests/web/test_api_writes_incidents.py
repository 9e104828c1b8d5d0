"""Documenting incidents through the API (``POST /api/v1/incidents``, ``POST
/api/v1/incidents/{incident}/acts``): an incident with a partial date and a gazetteer place, a
forced return handed to a DPRK unit with its source's graded claim in the same transaction —
read back through the GET API; a wrong field answered 422 problem+json naming it (a claim's
fields under ``claim.``), with nothing written (a refused claim takes its act with it); unknown
incident 404; refused roles 403; the Location and the log carry no name. Every test runs on
SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from surplace.web.views_common import roles_with
from tests.web.conftest import ROLE_NAMES, WebStore
from tests.web.test_api_cases import bearer
from tests.web.test_pages_incident_forms import (
    SOURCE,
    VICTIM_LATIN,
    VICTIM_NAME,
    counts,
    prepare,
)

PROBLEM = "application/problem+json"
UNKNOWN_ID = "00000000-0000-4000-8000-00000000dead"
WRITERS = sorted(roles_with("incident.write"))
OTHERS = sorted(set(ROLE_NAMES) - set(WRITERS))
#: A title may name people (it is sealed): this one names the synthetic victim.
TITLE = f"Synthetic return of {VICTIM_LATIN} at Tumen"
INCIDENT: dict[str, Any] = {"title": TITLE, "date": "2024-03", "place": "도문",
                            "monitoring_status": "investigating",
                            "description": "Synthetic description."}
CLAIM: dict[str, Any] = {"source": SOURCE, "connection": "witness", "reliability": "B",
                         "credibility": 2, "content": "Synthetic account of the return."}
FORCED_RETURN: dict[str, Any] = {
    "act_type": "forced_return", "date": "2024-03-12", "place": "Tumen",
    "victim_status": "handed_over", "unit": "cn_border_police",
    "degree": "direct_perpetrator", "return_from_place": "CN-JL-tumen",
    "handed_to_unit": "kp_mss", "crossing_point": "X-tumen-namyang",
    "consequences": "Synthetic consequences.", "claim": CLAIM}


def refused(response: Response, field: str) -> dict[str, Any]:
    """The 422 problem+json, once it is checked to name ``field`` (among every wrong one)."""
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert field in [item["field"] for item in body.get("errors", [])], body
    return body


def incident(client: TestClient, headers: dict[str, str], **fields: Any) -> str:
    made = client.post("/api/v1/incidents", json={**INCIDENT, **fields}, headers=headers)
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


@pytest.mark.parametrize("role", WRITERS)
def test_document_an_incident_and_a_forced_return_with_its_source(
        web_store: WebStore, client: TestClient, caplog: pytest.LogCaptureFixture,
        role: str) -> None:
    caplog.set_level(logging.DEBUG)
    pseudonym = prepare(web_store)
    headers = bearer(web_store, role)
    made = client.post("/api/v1/incidents", json=INCIDENT, headers=headers)
    assert made.status_code == 201, made.text
    body = made.json()
    assert made.headers["location"] == f"/api/v1/incidents/{body['id']}"
    assert (body["title"], body["start_date"], body["start_precision"]) == (
        TITLE, "2024-03-01", "month")
    assert (body["place"], body["monitoring_status"], body["acts"]) == (
        "CN-JL-tumen", "investigating", 0)
    added = client.post(f"/api/v1/incidents/{body['id']}/acts",
                        json={**FORCED_RETURN, "victim": pseudonym}, headers=headers)
    assert added.status_code == 201, added.text
    act = added.json()
    assert added.headers["location"] == f"/api/v1/acts/{act['id']}"
    assert re.fullmatch(r"/api/v1/acts/[0-9A-Za-z_-]+", added.headers["location"])
    shown = client.get(added.headers["location"], headers=headers).json()
    assert shown == act
    assert (act["incident_id"], act["act_type"], act["victim"]) == (body["id"],
                                                                    "forced_return", pseudonym)
    assert act["documented"] and act["province"] == "CN-JL"
    assert act["extensions"] == {"return_from_place": "CN-JL-tumen", "handed_to_unit": "kp_mss",
                                 "crossing_point": "X-tumen-namyang"}
    assert [(i["unit"], i["degree"]) for i in act["involvements"]] == [
        ("cn_border_police", "direct_perpetrator")]
    assert [(i["source"], i["grade"], i["link_status"]) for i in act["information"]] == [
        (SOURCE, "B2", "linked")]
    again = client.get(made.headers["location"], headers=headers).json()
    assert again["description"] == "Synthetic description."
    assert [a["id"] for a in again["act_list"]] == [act["id"]]
    for typed in (VICTIM_NAME, VICTIM_LATIN):
        assert typed not in made.headers["location"] and typed not in added.headers["location"]
        assert typed not in caplog.text


def test_an_act_without_a_source_is_stored_but_not_counted(
        web_store: WebStore, client: TestClient) -> None:
    pseudonym = prepare(web_store)
    headers = bearer(web_store, "researcher")
    incident_id = incident(client, headers, date="2021", place=None)
    added = client.post(f"/api/v1/incidents/{incident_id}/acts", headers=headers, json={
        "act_type": "arrest", "victim": pseudonym, "date": "2021-06",
        "detention_kind": "unknown", "legal_counsel": False,
        "whereabouts": "Synthetic whereabouts."})
    assert added.status_code == 201, added.text
    act = added.json()
    assert not act["documented"] and act["information"] == []
    assert act["date_precision"] == "month"
    assert act["extensions"]["legal_counsel"] is False
    assert counts(web_store)[2] == 0


def test_a_wrong_incident_field_is_named_and_nothing_is_written(
        web_store: WebStore, client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    prepare(web_store)
    headers = bearer(web_store, "researcher")
    before = counts(web_store)
    for change, field in [({"title": " "}, "title"), ({"date": "March"}, "date"),
                          ({"end_date": "2024-02-30"}, "end_date"),
                          ({"date": "2999-01-02"}, "date"),
                          ({"date": "2024-05-02", "end_date": "2024-05-01"}, "end_date"),
                          ({"place": "Atlantis"}, "place"),
                          ({"monitoring_status": "forgotten"}, "monitoring_status"),
                          ({"start_date": "2024"}, "start_date"), ({"title": None}, "title")]:
        answer = client.post("/api/v1/incidents", json={**INCIDENT, **change}, headers=headers)
        refused(answer, field)
        assert "location" not in answer.headers
    assert counts(web_store) == before
    assert VICTIM_LATIN not in caplog.text


def test_a_wrong_act_field_is_named_and_nothing_is_written(
        web_store: WebStore, client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    pseudonym = prepare(web_store)
    headers = bearer(web_store, "researcher")
    incident_id = incident(client, headers)
    url = f"/api/v1/incidents/{incident_id}/acts"
    good = {**FORCED_RETURN, "victim": pseudonym}
    before = counts(web_store)
    for change, field in [
            ({"act_type": "kidnap"}, "act_type"), ({"date": "2024-13"}, "date"),
            ({"end_date": "2024-06"}, "end_date"), ({"method": "Synthetic method"}, "method"),
            ({"victim": VICTIM_LATIN}, "victim"), ({"victim": "P-NOSUCH-1"}, "victim"),
            ({"unit": "cn_bordr"}, "unit"), ({"handed_to_unit": "kp_nobody"}, "handed_to_unit"),
            ({"crossing_point": "Nowhere Bridge"}, "crossing_point"),
            ({"claim": {**CLAIM, "source": "SYN-NOPE"}}, "claim.source"),
            ({"claim": {**CLAIM, "connection": "rumour"}}, "claim.connection"),
            ({"claim": {**CLAIM, "reliability": "G"}}, "claim.reliability"),
            ({"claim": {**CLAIM, "credibility": 7}}, "claim.credibility"),
            ({"claim": {"connection": "witness"}}, "claim.source"),
            ({"perpetrators": []}, "perpetrators")]:
        answer = client.post(url, json={**good, **change}, headers=headers)
        problem = refused(answer, field)
        assert VICTIM_LATIN not in answer.text and "location" not in answer.headers, problem
    assert counts(web_store) == before  # a refused claim took its act with it
    assert VICTIM_LATIN not in caplog.text
    missing = client.post(f"/api/v1/incidents/{UNKNOWN_ID}/acts", json=good, headers=headers)
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM
    assert counts(web_store) == before


def test_roles_without_incident_write_are_refused(
        web_store: WebStore, client: TestClient, csrf: Callable[[TestClient], str]) -> None:
    pseudonym = prepare(web_store)
    incident_id = incident(client, bearer(web_store, "researcher"))
    before = counts(web_store)
    for role in OTHERS:
        headers = bearer(web_store, role)
        for url, body in [("/api/v1/incidents", INCIDENT), ("/api/v1/incidents", {}),
                          (f"/api/v1/incidents/{incident_id}/acts",
                           {**FORCED_RETURN, "victim": pseudonym})]:
            answer = client.post(url, json=body, headers=headers)
            assert answer.status_code == 403, (role, url, answer.text)
            assert answer.headers["content-type"] == PROBLEM
    anonymous = client.post("/api/v1/incidents", json=INCIDENT,
                            headers={"X-CSRF-Token": csrf(client)})
    assert anonymous.status_code == 401
    assert counts(web_store) == before


def test_a_browser_session_needs_the_csrf_header(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient],
        csrf: Callable[[TestClient], str]) -> None:
    prepare(web_store)
    sign_in(client, "researcher")
    before = counts(web_store)
    assert client.post("/api/v1/incidents", json=INCIDENT).status_code == 403
    assert counts(web_store) == before
    done = client.post("/api/v1/incidents", json=INCIDENT,
                       headers={"X-CSRF-Token": csrf(client)})
    assert done.status_code == 201, done.text
    assert counts(web_store) == (before[0] + 1, before[1], before[2])
