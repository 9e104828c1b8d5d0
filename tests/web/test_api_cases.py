"""The cases API: bearer tokens, pagination with a ``next`` link, filters, a caseworker's reach,
and problem+json naming the wrong field. Both back ends."""

from __future__ import annotations

from fastapi.testclient import TestClient

from surplace.access import auth
from surplace.cases import service as case_service
from surplace.cases.work_schemas import AlertIn
from tests.web.conftest import WebStore
from tests.web.test_pages_cases import open_case

PROBLEM = "application/problem+json"


def bearer(web_store: WebStore, role: str) -> dict[str, str]:
    """Headers of a program holding an API token of ``role``'s account."""
    with web_store.session(role) as session:
        token, _ = auth.create_token(session, actor=web_store.actor(role), label="tests")
    return {"Authorization": f"Bearer {token}"}


def test_pages_of_cases_follow_the_next_link_to_the_end(
        web_store: WebStore, client: TestClient) -> None:
    numbers = {open_case(web_store, n=i) for i in range(5)}
    urgent = sorted(numbers)[2:4]
    with web_store.session("caseworker") as session:
        for number in urgent:
            case_service.raise_alert(session, actor=web_store.actor("caseworker"),
                                     case=number, data=AlertIn(kind="missing"))
    headers = bearer(web_store, "caseworker")
    seen: list[str] = []
    url: str | None = "/api/v1/cases?limit=2"
    while url is not None:
        response = client.get(url, headers=headers)
        assert response.status_code == 200
        body = response.json()
        assert body["total"] == 5 and body["limit"] == 2 and len(body["items"]) <= 2
        seen += [item["case_number"] for item in body["items"]]
        url = body["next"]
    assert set(seen) == numbers and len(seen) == 5
    assert seen[:2] == urgent  # open alerts first (nearest deadline), then by case number
    assert seen[2:] == sorted(numbers - set(urgent))
    last = client.get("/api/v1/cases?limit=2&offset=4", headers=headers).json()
    assert last["next"] is None and len(last["items"]) == 1


def test_filters_and_a_caseworkers_reach(web_store: WebStore, client: TestClient) -> None:
    mine = open_case(web_store, n=1, risk="high")
    urgent = open_case(web_store, n=2)
    other = open_case(web_store, role="admin", n=3)
    with web_store.session("caseworker") as session:
        case_service.raise_alert(session, actor=web_store.actor("caseworker"), case=urgent,
                                 data=AlertIn(kind="detained"))
    worker = bearer(web_store, "caseworker")
    every = {i["case_number"] for i in client.get("/api/v1/cases", headers=worker)
             .json()["items"]}
    assert every == {mine, urgent}
    high = client.get("/api/v1/cases", params={"risk": "high"}, headers=worker).json()
    assert [i["case_number"] for i in high["items"]] == [mine]
    first = client.get("/api/v1/cases", params={"urgent": "true"}, headers=worker).json()
    assert [i["case_number"] for i in first["items"]] == [urgent]
    assert first["items"][0]["open_alerts"] == 1
    admin = bearer(web_store, "admin")
    by_worker = client.get("/api/v1/cases", headers=admin, params={
        "caseworker": web_store.user_names["caseworker"]}).json()
    assert {i["case_number"] for i in by_worker["items"]} == {mine, urgent}
    assert other not in {i["case_number"] for i in by_worker["items"]}
    one = client.get(f"/api/v1/cases/{mine}", headers=worker)
    assert one.status_code == 200 and one.json()["members"][0]["role"] == "principal"
    refused = client.get(f"/api/v1/cases/{other}", headers=worker)
    assert refused.status_code == 403 and refused.headers["content-type"] == PROBLEM


def test_errors_are_problem_json_naming_the_field(web_store: WebStore,
                                                  client: TestClient) -> None:
    headers = bearer(web_store, "admin")
    wrong = client.get("/api/v1/cases", params={"status": "lost"}, headers=headers)
    assert wrong.status_code == 422 and wrong.headers["content-type"] == PROBLEM
    assert wrong.json()["field"] == "status"
    too_many = client.get("/api/v1/cases", params={"limit": "100000"}, headers=headers)
    assert too_many.status_code == 422 and too_many.json()["field"] == "limit"
    unknown = client.get("/api/v1/cases", params={"caseworker": "nobody-here"},
                         headers=headers)
    assert unknown.status_code == 422 and unknown.json()["field"] == "caseworker"
    missing = client.get("/api/v1/cases/SP-1999-000001", headers=headers)
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM
    assert client.get("/api/v1/cases").status_code == 401
    researcher = client.get("/api/v1/cases", headers=bearer(web_store, "researcher"))
    assert researcher.status_code == 403 and researcher.headers["content-type"] == PROBLEM
