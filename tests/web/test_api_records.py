"""The persons, sources and records API: pseudonyms for everyone who may list, identities and
payloads only for identity roles, name search in the body, pagination. Both back ends."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.conftest import WebStore
from tests.web.test_api_cases import PROBLEM, bearer
from tests.web.test_pages_linkage import NAMES, queue_pair
from tests.web.test_pages_persons import HANGUL, person


def test_persons_pseudonymised_unless_identity_role(web_store: WebStore,
                                                    client: TestClient) -> None:
    from surplace.records.schemas import NameIn

    pseudonym = person(web_store, NameIn(full_name=HANGUL, script="hangul"), sex="F",
                       birth_year=1977)
    researcher = bearer(web_store, "researcher")
    listed = client.get("/api/v1/persons", params={"birth_year": 1977},
                        headers=researcher).json()
    assert [p["pseudonym"] for p in listed["items"]] == [pseudonym]
    shown = client.get(f"/api/v1/persons/{pseudonym}", headers=researcher)
    assert shown.status_code == 200 and HANGUL not in shown.text
    assert "names" not in shown.json()
    worker = bearer(web_store, "caseworker")
    full = client.get(f"/api/v1/persons/{pseudonym}", headers=worker).json()
    assert [n["full_name"] for n in full["names"]] == [HANGUL]
    found = client.post("/api/v1/persons/search", json={"name": HANGUL}, headers=worker)
    assert found.status_code == 200 and [p["pseudonym"] for p in found.json()] == [pseudonym]
    refused = client.post("/api/v1/persons/search", json={"name": HANGUL}, headers=researcher)
    assert refused.status_code == 403 and refused.headers["content-type"] == PROBLEM
    empty = client.post("/api/v1/persons/search", json={"name": ""}, headers=worker)
    assert empty.status_code == 422 and empty.json()["field"] == "name"
    assert client.get("/api/v1/persons", params={"sex": "Q"},
                      headers=researcher).json()["field"] == "sex"


def test_records_with_payloads_only_for_identity_roles(web_store: WebStore,
                                                       client: TestClient) -> None:
    queued = queue_pair(web_store, "API")
    researcher = bearer(web_store, "researcher")
    page = client.get("/api/v1/records", params={"source": queued.source, "limit": 1},
                      headers=researcher).json()
    assert page["total"] == 2 and len(page["items"]) == 1 and page["next"]
    assert page["items"][0]["payload"] is None
    assert not any(name in str(page) for name in NAMES)
    one = client.get(f"/api/v1/records/{queued.records[0]}", headers=researcher).json()
    assert one["payload"] is None and one["source"] == queued.source
    worker = bearer(web_store, "caseworker")
    full = client.get(f"/api/v1/records/{queued.records[0]}", headers=worker).json()
    assert full["payload"]["name"] == NAMES[0]
    sources = client.get("/api/v1/sources", headers=researcher).json()
    assert queued.source in [s["code"] for s in sources["items"]]
    source = client.get(f"/api/v1/sources/{queued.source}", headers=researcher).json()
    assert source["name"] is None
    assert client.get(f"/api/v1/sources/{queued.source}",
                      headers=worker).json()["name"] == "Synthetic list API"
    unknown = client.get("/api/v1/records", params={"source": "SYN-NONE"}, headers=researcher)
    assert unknown.status_code == 404 and unknown.headers["content-type"] == PROBLEM
    assert client.get("/api/v1/records", headers=bearer(web_store, "analyst")
                      ).status_code == 403
