"""Registering a person through the API (``POST /api/v1/persons``): names in Hangul, Chinese
characters and Latin letters (found at once by name), a birth year or whole date, a home place
the gazetteer turns into a province — the rules of the form; read back through the GET API; a
wrong field answered 422 problem+json naming it, with nothing written; refused roles 403; the
Location and the log carry no name. Every test runs on SQLite and PostgreSQL."""

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
from tests.web.test_pages_person_forms import persons, seed

PROBLEM = "application/problem+json"
#: Invented; any likeness to a real person is chance.
HANGUL, HANJA = "합성등록인", "合成登錄人"
FAMILY, GIVEN = "Synthetic", "Apiperson"
CONTACT = "Synthetic contact via church 7"
TYPED = (HANGUL, HANJA, FAMILY, GIVEN, CONTACT)
WRITERS = sorted(roles_with("identity.write"))
OTHERS = sorted(set(ROLE_NAMES) - set(WRITERS))

VALID: dict[str, Any] = {
    "names": [{"full_name": HANGUL, "script": "hangul"},
              {"full_name": HANJA, "script": "hanja"},
              {"family_name": FAMILY, "given_name": GIVEN, "kind": "alias",
               "romanisation": "adhoc"}],
    "sex": "F", "birth_date": "1994", "origin_place": "Hoeryong", "contact": CONTACT}


def refused(response: Response, field: str) -> dict[str, Any]:
    """The 422 problem+json, once it is checked to name ``field`` (among every wrong one)."""
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert field in [item["field"] for item in body["errors"]], body
    return body


@pytest.mark.parametrize("role", WRITERS)
def test_register_a_person_and_read_them_back(
        web_store: WebStore, client: TestClient, caplog: pytest.LogCaptureFixture,
        role: str) -> None:
    seed(web_store)
    caplog.set_level(logging.DEBUG)
    headers = bearer(web_store, role)
    made = client.post("/api/v1/persons", json=VALID, headers=headers)
    assert made.status_code == 201, made.text
    body = made.json()
    assert set(body) == {"id", "pseudonym", "sex", "birth_year", "origin_province"}
    assert (body["sex"], body["birth_year"], body["origin_province"]) == ("F", 1994, "KP-09")
    location = made.headers["location"]
    assert location == f"/api/v1/persons/{body['id']}"
    assert re.fullmatch(r"/api/v1/persons/[0-9A-Za-z_-]+", location)
    shown = client.get(location, headers=headers).json()
    assert shown["pseudonym"] == body["pseudonym"] and shown["contact"] == CONTACT
    assert shown["birth_date"] is None and shown["origin_place"] == "Hoeryong"
    assert sorted((n["full_name"], n["script"], n["kind"]) for n in shown["names"]) == sorted([
        (HANGUL, "hangul", "legal"), (HANJA, "hanja", "legal"),
        (f"{FAMILY} {GIVEN}", "latin", "alias")])
    for name in (HANGUL, HANJA, GIVEN):
        found = client.post("/api/v1/persons/search", json={"name": name}, headers=headers)
        assert [p["id"] for p in found.json()] == [body["id"]], name
    for typed in TYPED:
        assert typed not in location and typed not in caplog.text


def test_a_whole_birth_date_and_a_family_name_in_hangul_composed(
        web_store: WebStore, client: TestClient) -> None:
    headers = bearer(web_store, "caseworker")
    made = client.post("/api/v1/persons", headers=headers, json={
        "names": [{"family_name": "합", "given_name": "성이", "script": "hangul"}],
        "birth_date": "1990-02-03", "origin_province": "kp-09"})
    assert made.status_code == 201, made.text
    shown = client.get(made.headers["location"], headers=headers).json()
    assert shown["birth_date"] == "1990-02-03" and shown["birth_year"] == 1990
    assert shown["origin_province"] == "KP-09"
    assert [n["full_name"] for n in shown["names"]] == ["합성이"]


#: A change to the valid body, and the field its refusal must name.
WRONG: list[tuple[dict[str, Any], str]] = [
    ({"birth_date": "1994-05"}, "birth_date"),  # a month alone cannot be stored
    ({"birth_date": "May 1994"}, "birth_date"),
    ({"birth_date": "2999"}, "birth_date"),
    ({"birth_date": "1994-02-30"}, "birth_date"),
    ({"sex": "Q"}, "sex"),
    ({"origin_province": "KP-01"}, "origin_province"),  # Hoeryong lies in KP-09
    ({"names": [{"script": "hangul"}]}, "names.0.full_name"),
    ({"names": [{"full_name": HANGUL, "script": "hangul"},
                {"full_name": FAMILY, "script": "klingon"}]}, "names.1.script"),
    ({"names": [{"full_name": HANGUL, "kind": "nickname?"}]}, "names.0.kind"),
    ({"names": []}, "names"),
    ({"birth_year": 1994}, "birth_year"),  # not a field of the body: refused, not ignored
    ({"contact": "x" * 513}, "contact"),
]


def test_a_wrong_field_is_named_and_nothing_is_written(
        web_store: WebStore, client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    seed(web_store)
    caplog.set_level(logging.DEBUG)
    before = persons(web_store)
    headers = bearer(web_store, "caseworker")
    for change, field in WRONG:
        answer = client.post("/api/v1/persons", json={**VALID, **change}, headers=headers)
        refused(answer, field)
        assert "location" not in answer.headers
    assert persons(web_store) == before
    for typed in TYPED:
        assert typed not in caplog.text


def test_every_wrong_field_is_named_at_once(web_store: WebStore, client: TestClient) -> None:
    body = refused(client.post("/api/v1/persons", headers=bearer(web_store, "admin"), json={
        "names": [{"full_name": HANGUL, "script": "runes"}], "sex": "Q",
        "birth_date": "yesterday"}), "names.0.script")
    # The vocabulary's checks (sex) in the same round as the form's own: as on the page.
    wrong = {"names.0.script", "birth_date", "sex"}
    assert {item["field"] for item in body["errors"]} == wrong
    assert body["field"] in wrong


def test_roles_without_identity_write_are_refused(
        web_store: WebStore, client: TestClient, csrf: Callable[[TestClient], str]) -> None:
    before = persons(web_store)
    for role in OTHERS:
        answer = client.post("/api/v1/persons", json=VALID, headers=bearer(web_store, role))
        assert answer.status_code == 403 and answer.headers["content-type"] == PROBLEM, role
        # Refused before the body is read: a wrong body is refused the same way.
        assert client.post("/api/v1/persons", json={"names": "?"},
                           headers=bearer(web_store, role)).status_code == 403
    anonymous = client.post("/api/v1/persons", json=VALID,
                            headers={"X-CSRF-Token": csrf(client)})
    assert anonymous.status_code == 401 and anonymous.headers["content-type"] == PROBLEM
    assert persons(web_store) == before


def test_a_browser_session_needs_the_csrf_header(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient],
        csrf: Callable[[TestClient], str]) -> None:
    seed(web_store)
    sign_in(client, "caseworker")
    before = persons(web_store)
    assert client.post("/api/v1/persons", json=VALID).status_code == 403
    assert persons(web_store) == before
    done = client.post("/api/v1/persons", json=VALID, headers={"X-CSRF-Token": csrf(client)})
    assert done.status_code == 201, done.text
    assert persons(web_store) == (before[0] + 1, before[1] + 3)
