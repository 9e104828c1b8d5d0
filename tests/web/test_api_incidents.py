"""The incidents and acts API: pagination, filters (type, year, province), victims by
pseudonym, sources with their grades, problem+json naming the wrong filter. Both back ends."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.conftest import WebStore
from tests.web.test_api_cases import PROBLEM, bearer
from tests.web.test_pages_incidents import VICTIM_LATIN, VICTIM_NAME, document


def test_incidents_and_acts_with_filters_and_pages(web_store: WebStore,
                                                   client: TestClient) -> None:
    yanji = document(web_store, suffix="Y")
    arrest = document(web_store, suffix="Z", place="CN-LN", date="2021-03-04",
                      act_type="arrest")
    third = document(web_store, suffix="X", date="2020-07-01")
    headers = bearer(web_store, "researcher")
    first = client.get("/api/v1/incidents?limit=2", headers=headers).json()
    assert first["total"] == 3 and len(first["items"]) == 2 and first["next"]
    rest = client.get(first["next"], headers=headers).json()
    ids = [i["id"] for i in first["items"] + rest["items"]]
    assert ids == [yanji.incident_id, arrest.incident_id, third.incident_id]  # newest first
    by_type = client.get("/api/v1/incidents", params={"act_type": "arrest"},
                         headers=headers).json()
    assert [i["id"] for i in by_type["items"]] == [arrest.incident_id]
    by_province = client.get("/api/v1/incidents", params={"province": "CN-JL"},
                             headers=headers).json()
    assert {i["id"] for i in by_province["items"]} == {yanji.incident_id, third.incident_id}
    by_year = client.get("/api/v1/acts", params={"year": 2020}, headers=headers).json()
    assert [a["id"] for a in by_year["items"]] == [third.act_id]
    act = by_year["items"][0]
    assert act["victim"] == third.victim
    assert {(i["source"], i["grade"]) for i in act["information"]} == {
        (third.sources[0], "B6"), (third.sources[1], "C6")}
    assert act["involvements"][0]["unit"] == "cn_border_police"


def test_victims_by_pseudonym_never_a_name(web_store: WebStore, client: TestClient) -> None:
    made = document(web_store)
    headers = bearer(web_store, "researcher")
    for url in (f"/api/v1/incidents/{made.incident_id}", f"/api/v1/acts/{made.act_id}",
                "/api/v1/acts", "/api/v1/incidents"):
        response = client.get(url, headers=headers)
        assert response.status_code == 200, url
        assert VICTIM_NAME not in response.text and VICTIM_LATIN not in response.text
    shown = client.get(f"/api/v1/incidents/{made.incident_id}", headers=headers).json()
    assert shown["act_list"][0]["victim"] == made.victim


def test_wrong_filters_answer_problem_json_naming_the_field(web_store: WebStore,
                                                            client: TestClient) -> None:
    headers = bearer(web_store, "researcher")
    for params, field in (({"act_type": "forced_retrun"}, "act_type"),
                          ({"year": "soon"}, "year"), ({"province": "Atlantis"}, "province"),
                          ({"offset": "-1"}, "offset")):
        for url in ("/api/v1/incidents", "/api/v1/acts"):
            response = client.get(url, params=params, headers=headers)
            assert response.status_code == 422, (url, params)
            assert response.headers["content-type"] == PROBLEM
            assert response.json()["field"] == field
    missing = client.get("/api/v1/acts/no-such-act", headers=headers)
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM
    assert client.get("/api/v1/acts",
                      headers=bearer(web_store, "analyst")).status_code == 403
