"""The recommendations API: the paginated list and its filters, one recommendation with its
history and evidence, its indicators, and adding, judging and attaching evidence as JSON, with
problem+json naming the wrong field. Both back ends."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from tests.web.conftest import WebStore
from tests.web.test_api_cases import bearer
from tests.web.test_pages_incidents import document
from tests.web.test_pages_recommendations import OTHER, REC, SCRIPT, add, attach, judge

PROBLEM = "application/problem+json"
UNKNOWN_ID = "00000000-0000-4000-8000-00000000dead"


def _problem(response: Response, status: int, field: str) -> dict[str, object]:
    """The problem+json body, once its status and the field it names are checked."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, object] = response.json()
    assert body["field"] == field, body
    return body


def test_list_pages_and_filters_by_status(web_store: WebStore, client: TestClient) -> None:
    codes = [add(web_store, {**REC, "code": f"SYN-API-{n}"}) for n in range(3)]
    other = add(web_store, OTHER)
    judge(web_store, codes[1], "implemented", "Synthetic reason.")
    headers = bearer(web_store, "viewer")
    seen: list[str] = []
    url: str | None = "/api/v1/recommendations?limit=3"
    while url is not None:
        body = client.get(url, headers=headers).json()
        assert body["total"] == 4 and len(body["items"]) <= 3
        seen += [item["code"] for item in body["items"]]
        url = body["next"]
    assert seen == sorted([*codes, other])
    done = client.get("/api/v1/recommendations", params={"status": "implemented"},
                      headers=headers).json()
    assert [(i["code"], i["status"], i["status_label"]) for i in done["items"]] == [
        (codes[1], "implemented", "implemented")]
    waiting = client.get("/api/v1/recommendations", params={"status": "not_judged"},
                         headers=headers).json()
    assert {i["code"] for i in waiting["items"]} == {codes[0], codes[2], other}
    by_issuer = client.get("/api/v1/recommendations", params={"issuer": "UN body"},
                           headers=headers).json()
    assert [i["code"] for i in by_issuer["items"]] == [other]
    body = _problem(client.get("/api/v1/recommendations", params={"status": "done"},
                               headers=headers), 422, "status")
    assert "done" in str(body["detail"])


def test_one_recommendation_with_history_evidence_and_indicators(
        web_store: WebStore, client: TestClient) -> None:
    code = add(web_store, REC)
    judge(web_store, code, "unknown", "Synthetic first.", role="admin")
    judge(web_store, code, "not_implemented", "Synthetic second.")
    made = document(web_store, suffix="A")
    attach(web_store, code, "act", made.act_id, note="Synthetic note.")
    shown = client.get(f"/api/v1/recommendations/{code.lower()}",
                       headers=bearer(web_store, "viewer")).json()
    assert shown["code"] == code and shown["status"] == "not_implemented"
    assert [(h["status"], h["reason"], h["judged_by_name"]) for h in shown["history"]] == [
        ("unknown", "Synthetic first.", web_store.user_names["admin"]),
        ("not_implemented", "Synthetic second.", web_store.user_names["researcher"])]
    assert [(e["object_type"], e["object_id"]) for e in shown["evidence_list"]] == [
        ("act", made.act_id)]
    missing = client.get("/api/v1/recommendations/SYN-NONE",
                         headers=bearer(web_store, "viewer"))
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM
    figures = client.get(f"/api/v1/recommendations/{code}/indicators",
                         params={"indicator": "forced_returns"},
                         headers=bearer(web_store, "analyst")).json()
    assert figures["since"] == "2015-06-15"
    assert [(i["code"], i["value"], i["by_year"]) for i in figures["indicators"]] == [
        ("forced_returns", 1, {"2023": 1})]
    later = client.get(f"/api/v1/recommendations/{code}/indicators",
                       params={"indicator": "forced_returns", "since": "2024-01-01"},
                       headers=bearer(web_store, "analyst")).json()
    assert later["indicators"][0]["value"] == 0
    _problem(client.get(f"/api/v1/recommendations/{code}/indicators",
                        params={"indicator": "weather"}, headers=bearer(web_store, "analyst")),
             422, "indicator")
    refused = client.get(f"/api/v1/recommendations/{code}/indicators",
                         headers=bearer(web_store, "viewer"))
    assert refused.status_code == 403 and refused.headers["content-type"] == PROBLEM


def test_add_judge_and_attach_as_json(web_store: WebStore, client: TestClient) -> None:
    headers = bearer(web_store, "researcher")
    added = client.post("/api/v1/recommendations", json={**REC, "code": "syn-json-1"},
                        headers=headers)
    assert added.status_code == 201 and added.json()["code"] == "SYN-JSON-1"
    assert added.json()["status"] is None and added.json()["history"] == []
    _problem(client.post("/api/v1/recommendations", json={**REC, "code": "SYN-JSON-1"},
                         headers=headers), 422, "code")
    _problem(client.post("/api/v1/recommendations", json={**REC, "issued_on": "2999-01-01"},
                         headers=headers), 422, "issued_on")
    judged = client.post("/api/v1/recommendations/SYN-JSON-1/status",
                         json={"status": "partially", "reason": "Synthetic reason."},
                         headers=headers)
    assert judged.status_code == 201
    assert judged.json()["judged_by_name"] == web_store.user_names["researcher"]
    _problem(client.post("/api/v1/recommendations/SYN-JSON-1/status",
                         json={"status": "halfway", "reason": "Synthetic."}, headers=headers),
             422, "status")
    _problem(client.post("/api/v1/recommendations/SYN-JSON-1/status",
                         json={"status": "implemented"}, headers=headers), 422, "reason")
    made = document(web_store, suffix="B")
    attached = client.post("/api/v1/recommendations/SYN-JSON-1/evidence",
                           json={"object_type": "incident", "object_id": made.incident_id,
                                 "note": "Synthetic note."}, headers=headers)
    assert attached.status_code == 201 and attached.json()["object_id"] == made.incident_id
    unknown = _problem(client.post("/api/v1/recommendations/SYN-JSON-1/evidence",
                                   json={"object_type": "act", "object_id": UNKNOWN_ID},
                                   headers=headers), 422, "object_id")
    assert UNKNOWN_ID in str(unknown["detail"])
    _problem(client.post("/api/v1/recommendations/SYN-JSON-1/evidence",
                         json={"object_type": "incident", "object_id": made.incident_id},
                         headers=headers), 422, "object_id")
    missing = client.post("/api/v1/recommendations/SYN-NONE/status",
                          json={"status": "implemented", "reason": "Synthetic."},
                          headers=headers)
    assert missing.status_code == 404
    shown = client.get("/api/v1/recommendations/SYN-JSON-1", headers=headers).json()
    assert shown["status"] == "partially" and shown["evidence"] == 1


def test_a_browser_session_needs_the_csrf_header_to_post(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient],
        csrf: Callable[[TestClient], str]) -> None:
    code = add(web_store, REC)
    sign_in(client, "researcher")
    body = {"status": "unknown", "reason": "Synthetic."}
    assert client.post(f"/api/v1/recommendations/{code}/status", json=body).status_code == 403
    done = client.post(f"/api/v1/recommendations/{code}/status", json=body,
                       headers={"X-CSRF-Token": csrf(client)})
    assert done.status_code == 201


@pytest.mark.parametrize("role", ["viewer", "analyst", "caseworker"])
def test_roles_without_advocacy_write_are_refused_before_their_input_is_read(
        web_store: WebStore, client: TestClient, role: str) -> None:
    code = add(web_store, REC)
    headers = bearer(web_store, role)
    for url, body in (("/api/v1/recommendations", {**REC, "code": "SYN-REFUSED"}),
                      ("/api/v1/recommendations", {"nonsense": True}),
                      (f"/api/v1/recommendations/{code}/status",
                       {"status": "implemented", "reason": "Synthetic."}),
                      (f"/api/v1/recommendations/{code}/status", {}),
                      (f"/api/v1/recommendations/{code}/evidence",
                       {"object_type": "incident", "object_id": UNKNOWN_ID})):
        response = client.post(url, json=body, headers=headers)
        assert response.status_code == 403, (url, body)
        assert response.headers["content-type"] == PROBLEM
    shown = client.get(f"/api/v1/recommendations/{code}", headers=headers).json()
    assert shown["history"] == [] and shown["evidence_list"] == []


def test_stored_markup_comes_back_as_data(web_store: WebStore, client: TestClient) -> None:
    code = add(web_store, {**REC, "text": f"Text {SCRIPT}"})
    judge(web_store, code, "unknown", f"Reason {SCRIPT}")
    response = client.get(f"/api/v1/recommendations/{code}",
                          headers=bearer(web_store, "viewer"))
    assert response.headers["content-type"] == "application/json"
    assert response.json()["text"] == f"Text {SCRIPT}"
    assert response.json()["history"][0]["reason"] == f"Reason {SCRIPT}"


def test_the_routes_are_described(client: TestClient) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert set(paths["/api/v1/recommendations"]) == {"get", "post"}
    assert "get" in paths["/api/v1/recommendations/{code}"]
    assert "get" in paths["/api/v1/recommendations/{code}/indicators"]
    assert "post" in paths["/api/v1/recommendations/{code}/status"]
    assert "post" in paths["/api/v1/recommendations/{code}/evidence"]
    listing = paths["/api/v1/recommendations"]["get"]
    assert {p["name"] for p in listing["parameters"]} >= {"limit", "offset", "status"}
