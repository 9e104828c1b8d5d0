"""Opening a case and recording an interview through the API (``POST /api/v1/cases``,
``POST /api/v1/cases/{case}/interviews``): read back through the GET API; a wrong field — a
principal who is not registered, an unknown term, a fact the vocabulary does not know or of the
wrong type, facts that contradict each other, a date in the future — answered 422 problem+json
naming it, with nothing written; unknown case 404; refused roles 403; the Location and the log
carry no name. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select

from surplace.cases.models import Case, Interview
from surplace.records.schemas import NameIn
from surplace.web.views_common import roles_with
from tests.web.conftest import ROLE_NAMES, WebStore
from tests.web.test_api_cases import bearer
from tests.web.test_pages_case_work import open_case as waiting_case
from tests.web.test_pages_cases import register

PROBLEM = "application/problem+json"
UNKNOWN_ID = "00000000-0000-4000-8000-00000000dead"
#: Invented; any likeness to a real person is chance.
NAME = "Synthetic Apicase-person"
HANGUL = "합성사건인"
WRITERS = sorted(roles_with("case.write"))
OTHERS = sorted(set(ROLE_NAMES) - set(WRITERS))
FACTS: dict[str, Any] = {
    "dprk_national": True, "outside_dprk": True, "location": "china", "fears_return": True,
    "unauthorised_exit_or_stay": "unsubstantiated", "times_crossed": 1,
    "date_left_dprk": "2019-03-01", "claim_summary": "Synthetic account of leaving."}
INTERVIEW: dict[str, Any] = {
    "held_on": date.today().isoformat(), "language": "ko", "duration_minutes": 90,
    "interpreter": "Synthetic interpreter", "interpreter_undertaking": True,
    "attendees": ["Synthetic legal adviser"], "record": "Synthetic interview record.",
    "read_back": True, "facts": FACTS}


def refused(response: Response, field: str) -> dict[str, Any]:
    """The 422 problem+json, once it is checked to name ``field`` (among every wrong one)."""
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert field in [item["field"] for item in body.get("errors", [])], body
    return body


def counted(web_store: WebStore) -> tuple[int, int]:
    with web_store.session("admin") as session:
        return (int(session.scalar(select(func.count()).select_from(Case)) or 0),
                int(session.scalar(select(func.count()).select_from(Interview)) or 0))


def test_open_a_case_and_read_it_back(web_store: WebStore, client: TestClient,
                                      caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    pseudonym = register(web_store, NameIn(full_name=HANGUL, script="hangul"),
                         NameIn(full_name=NAME))
    headers = bearer(web_store, "caseworker")
    made = client.post("/api/v1/cases", headers=headers, json={
        "principal": pseudonym, "risk": "high", "languages": ["ko", "zh"],
        "specific_needs": ["medical_condition"], "summary": "Synthetic summary of the case.",
        "current_location": "Synthetic safe house"})
    assert made.status_code == 201, made.text
    body = made.json()
    assert re.fullmatch(r"SP-\d{4}-\d+", body["case_number"])
    assert (body["status"], body["risk"], body["principal"]) == ("received", "high", pseudonym)
    location = made.headers["location"]
    assert location == f"/api/v1/cases/{body['id']}"
    shown = client.get(location, headers=headers).json()
    assert shown["case_number"] == body["case_number"] and shown["languages"] == ["ko", "zh"]
    assert shown["specific_needs"] == ["medical_condition"]
    assert shown["summary"] == "Synthetic summary of the case."
    assert [m["role"] for m in shown["members"]] == ["principal"]
    assert [c["name"] for c in shown["caseworkers"]] == [web_store.user_names["caseworker"]]
    listed = client.get("/api/v1/cases", headers=headers).json()
    assert body["case_number"] in [item["case_number"] for item in listed["items"]]
    for typed in (NAME, HANGUL):
        assert typed not in location and typed not in caplog.text


def test_a_wrong_case_field_is_named_and_nothing_is_written(
        web_store: WebStore, client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    pseudonym = register(web_store, NameIn(full_name=NAME))
    headers = bearer(web_store, "caseworker")
    before = counted(web_store)
    for change, field in [({"risk": "extreme"}, "risk"), ({"languages": ["klingon"]}, "languages"),
                          ({"specific_needs": ["nothing much"]}, "specific_needs"),
                          ({"principal": ""}, "principal"), ({"principal": NAME}, "principal"),
                          ({"principal": "P-NOSUCH-1"}, "principal"),
                          ({"members": []}, "members"), ({"summary": 7}, "summary")]:
        answer = client.post("/api/v1/cases", json={"principal": pseudonym, **change},
                             headers=headers)
        problem = refused(answer, field)
        assert NAME not in answer.text and "location" not in answer.headers, problem
    assert counted(web_store) == before
    first = client.post("/api/v1/cases", json={"principal": pseudonym}, headers=headers)
    assert first.status_code == 201
    second = refused(client.post("/api/v1/cases", json={"principal": pseudonym},
                                 headers=headers), "principal")
    assert first.json()["case_number"] in str(second["detail"])
    assert counted(web_store) == (before[0] + 1, before[1])
    assert NAME not in caplog.text


def test_record_an_interview_and_the_case_moves_on(
        web_store: WebStore, client: TestClient) -> None:
    number = waiting_case(web_store, n=1)
    headers = bearer(web_store, "caseworker")
    made = client.post(f"/api/v1/cases/{number}/interviews", json=INTERVIEW, headers=headers)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["case_number"] == number and body["transition"] == "record_interview"
    assert body["interviewer"] == web_store.user_names["caseworker"]
    shown = client.get(made.headers["location"], headers=headers).json()
    assert shown["case_number"] == number and shown["status"] == "interviewed"
    [stored] = shown["interviews"]
    assert stored["id"] == body["id"] and stored["facts"] == FACTS
    assert (stored["language"], stored["duration_minutes"], stored["read_back"]) == ("ko", 90,
                                                                                     True)
    assert stored["interpreter"] == "Synthetic interpreter"
    assert stored["attendees"] == ["Synthetic legal adviser"]
    # Another interview, by another staff member, with no facts (the case by its id).
    again = client.post(f"/api/v1/cases/{shown['id']}/interviews", headers=headers, json={
        "held_on": date.today().isoformat(), "interviewer": web_store.user_names["admin"]})
    assert again.status_code == 201, again.text
    assert again.json()["interviewer"] == web_store.user_names["admin"]
    # One dated before the case's last step breaks the workflow: refused as a whole.
    earlier = client.post(f"/api/v1/cases/{number}/interviews", headers=headers,
                          json={"held_on": "2024-01-02"})
    assert earlier.status_code == 422 and "before" in earlier.json()["detail"]
    assert len(client.get(made.headers["location"], headers=headers).json()["interviews"]) == 2


def test_a_wrong_interview_field_is_named_and_nothing_is_written(
        web_store: WebStore, client: TestClient) -> None:
    number = waiting_case(web_store, n=2)
    headers = bearer(web_store, "caseworker")
    url = f"/api/v1/cases/{number}/interviews"
    before = counted(web_store)
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    for change, fields in [
            ({"held_on": tomorrow}, {"held_on"}),
            ({"held_on": "2024-02-30"}, {"held_on"}),
            ({"language": "klingon"}, {"language"}),
            ({"duration_minutes": 0}, {"duration_minutes"}),
            ({"interviewer": "nobody-such"}, {"interviewer"}),
            ({"interviewer": web_store.user_names["analyst"]}, {"interviewer"}),
            ({"facts": {**FACTS, "dprk_nationel": True}}, {"facts.dprk_nationel"}),
            ({"facts": {**FACTS, "dprk_national": "yes"}}, {"facts.dprk_national"}),
            ({"facts": {**FACTS, "times_crossed": -1, "location": "mars"}},
             {"facts.times_crossed", "facts.location"}),
            ({"facts": {**FACTS, "location": "dprk"}}, {"facts.outside_dprk",
                                                        "facts.location"}),
            ({"attendees": [" "]}, {"attendees"}),
            ({"notes": "?"}, {"notes"})]:
        answer = client.post(url, json={**INTERVIEW, **change}, headers=headers)
        problem = refused(answer, sorted(fields)[0])
        assert {item["field"] for item in problem["errors"]} == fields, problem
        assert "location" not in answer.headers
    assert counted(web_store) == before
    unknown = client.post(f"/api/v1/cases/{UNKNOWN_ID}/interviews", json=INTERVIEW,
                          headers=headers)
    assert unknown.status_code == 404 and unknown.headers["content-type"] == PROBLEM
    assert counted(web_store) == before


def test_refused_roles_and_another_caseworkers_case(
        web_store: WebStore, client: TestClient, csrf: Callable[[TestClient], str]) -> None:
    pseudonym = register(web_store, NameIn(full_name=NAME))
    number = waiting_case(web_store, n=3)
    theirs = waiting_case(web_store, "admin", n=4)  # not assigned to the caseworker
    before = counted(web_store)
    for role in OTHERS:
        headers = bearer(web_store, role)
        for url, body in [("/api/v1/cases", {"principal": pseudonym}),
                          (f"/api/v1/cases/{number}/interviews", INTERVIEW),
                          (f"/api/v1/cases/{number}/interviews", {"held_on": "never"})]:
            answer = client.post(url, json=body, headers=headers)
            assert answer.status_code == 403, (role, url, answer.text)
            assert answer.headers["content-type"] == PROBLEM
    other = client.post(f"/api/v1/cases/{theirs}/interviews", json=INTERVIEW,
                        headers=bearer(web_store, "caseworker"))
    assert other.status_code == 403 and other.headers["content-type"] == PROBLEM
    anonymous = client.post("/api/v1/cases", json={"principal": pseudonym},
                            headers={"X-CSRF-Token": csrf(client)})
    assert anonymous.status_code == 401
    assert counted(web_store) == before


def test_a_browser_session_needs_the_csrf_header(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient],
        csrf: Callable[[TestClient], str]) -> None:
    number = waiting_case(web_store, n=5)
    sign_in(client, "caseworker")
    before = counted(web_store)
    url = f"/api/v1/cases/{number}/interviews"
    assert client.post(url, json=INTERVIEW).status_code == 403
    assert counted(web_store) == before
    done = client.post(url, json=INTERVIEW, headers={"X-CSRF-Token": csrf(client)})
    assert done.status_code == 201, done.text
    assert counted(web_store) == (before[0], before[1] + 1)
