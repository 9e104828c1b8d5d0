"""The estimates API: stored estimates as JSON with pagination and filters, for roles that read
aggregates. Both back ends."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.conftest import WebStore
from tests.web.test_api_cases import PROBLEM, bearer
from tests.web.test_pages_estimates import LISTS, stored_estimate


def test_stored_estimates_as_json(web_store: WebStore, client: TestClient) -> None:
    first = stored_estimate(web_store)
    second = stored_estimate(web_store)
    headers = bearer(web_store, "analyst")
    page = client.get("/api/v1/estimates?limit=1", headers=headers).json()
    assert page["total"] == 2 and len(page["items"]) == 1 and page["next"]
    assert page["items"][0]["id"] == second  # newest first
    dga = client.get("/api/v1/estimates", params={"method": "dga", "subject": "file"},
                     headers=headers).json()
    assert {item["id"] for item in dga["items"]} == {first, second}
    one = client.get(f"/api/v1/estimates/{first}", headers=headers).json()
    assert one["lists"] == list(LISTS) and one["observed"] == 140
    assert one["lower"] <= one["estimate"] <= one["upper"] and one["has_posterior"]
    assert "draws" not in one and "posterior" not in one
    wrong = client.get("/api/v1/estimates", params={"subject": "cats"}, headers=headers)
    assert wrong.status_code == 422 and wrong.json()["field"] == "subject"
    missing = client.get("/api/v1/estimates/none", headers=headers)
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM
    assert client.get("/api/v1/estimates", headers=bearer(web_store, "caseworker")
                      ).status_code == 403
