"""Registering a person in the browser: names in Hangul and Latin letters (found at once through
the blind index), a birth year or date, a home place the gazetteer turns into a province; the
form re-displayed with the input and a message beside every wrong field; refused roles get 403;
hostile text is inert; the redirect names the person by id only. Every test runs on SQLite and
PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from surplace.records import gazetteer
from surplace.records import service as records_service
from surplace.records.models import Person, PersonName
from surplace.web.views_common import roles_with
from tests.web.conftest import ROLE_NAMES, WebStore

#: Invented; any likeness to a real person is chance.
HANGUL = "합성등록인"
FAMILY, GIVEN = "Synthetic", "Registrant"
CONTACT = "Synthetic contact via church 9"
SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
WRITERS = sorted(roles_with("identity.write"))
OTHERS = sorted(set(ROLE_NAMES) - set(WRITERS))


def beside(page: str, field: str) -> str:
    """The message shown beside ``field`` ('' when there is none)."""
    found = re.search(rf'id="error-{field}"[^>]*>([^<]*)<', page)
    return found.group(1) if found else ""


def persons(web_store: WebStore) -> tuple[int, int]:
    with web_store.session("admin") as session:
        return (int(session.scalar(select(func.count()).select_from(Person)) or 0),
                int(session.scalar(select(func.count()).select_from(PersonName)) or 0))


def seed(web_store: WebStore) -> None:
    with web_store.session("admin") as session:
        gazetteer.seed_places(session)


VALID = {"name0_full": HANGUL, "name0_script": "hangul", "name0_kind": "legal",
         "name1_family": FAMILY, "name1_given": GIVEN, "name1_script": "latin",
         "name1_kind": "alias", "name1_romanisation": "adhoc", "sex": "F",
         "birth_date": "1994", "origin_place": "Hoeryong", "contact": CONTACT}


@pytest.mark.parametrize("role", WRITERS)
def test_register_a_person_with_hangul_and_latin_names(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient],
        form: Callable[..., dict[str, str]], role: str) -> None:
    seed(web_store)
    sign_in(client, role)
    assert 'href="/persons/new"' in client.get("/persons").text
    blank = client.get("/persons/new")
    assert blank.status_code == 200 and 'name="csrf_token"' in blank.text
    for field in ("name0_full", "name2_given", "name1_script", "birth_date", "origin_place"):
        assert f'id="{field}"' in blank.text, field
    assert '<option value="KP-09-hoeryong">' in blank.text  # the gazetteer's suggestions
    made = client.post("/persons", data=form(client, **VALID))
    assert made.status_code == 303, made.text
    location = made.headers["location"]
    person_id = location.removeprefix("/persons/")
    assert re.fullmatch(r"[0-9A-Za-z_-]+", person_id), location
    for typed in (HANGUL, FAMILY, GIVEN, CONTACT, quote(HANGUL)):
        assert typed not in location
    with web_store.session(role) as session:
        stored = records_service.show_person(session, actor=web_store.actor(role),
                                             reference=person_id)
        for name in (HANGUL, f"{FAMILY} {GIVEN}", GIVEN):
            found = records_service.find_by_name(session, actor=web_store.actor(role),
                                                 name=name)
            assert [p.id for p in found] == [person_id], name
    assert (stored.sex, stored.birth_year, stored.birth_date) == ("F", 1994, None)
    assert stored.origin_province == "KP-09" and stored.origin_place == "Hoeryong"
    assert stored.contact == CONTACT
    assert sorted((n.full_name, n.script, n.kind, n.romanisation) for n in stored.names) == [
        (f"{FAMILY} {GIVEN}", "latin", "alias", "adhoc"), (HANGUL, "hangul", "legal", None)]
    page = client.get(location)
    assert page.status_code == 200 and HANGUL in page.text and CONTACT in page.text
    searched = client.post("/persons/search", data=form(client, name=HANGUL))
    assert stored.pseudonym in searched.text


def test_a_whole_birth_date_and_the_way_back_to_the_case_form(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient],
        form: Callable[..., dict[str, str]]) -> None:
    seed(web_store)
    sign_in(client, "caseworker")
    case_form = client.get("/cases/new")
    assert 'href="/persons/new?then=case"' in case_form.text
    assert 'name="then" value="case"' in client.get("/persons/new?then=case").text
    assert 'name="then" value=""' in client.get("/persons/new?then=https://elsewhere").text
    made = client.post("/persons", data=form(
        client, name0_family="리", name0_given="합성", name0_script="hangul",
        name1_full="李合成", name1_script="hanja", birth_date="1990-02-03",
        origin_province="KP-09", then="case"))
    assert made.status_code == 303, made.text
    location = made.headers["location"]
    assert location.startswith("/cases/new?person=")
    person_id = location.split("=", 1)[1]
    back = client.get(location)
    assert back.status_code == 200 and f'value="{person_id}"' in back.text
    with web_store.session("caseworker") as session:
        stored = records_service.show_person(session, actor=web_store.actor("caseworker"),
                                             reference=person_id)
        assert [p.id for p in records_service.find_by_name(
            session, actor=web_store.actor("caseworker"), name="리합성")] == [person_id]
    assert stored.birth_date == date(1990, 2, 3) and stored.birth_year == 1990
    assert stored.origin_province == "KP-09" and stored.origin_place is None
    assert sorted(str(n.full_name) for n in stored.names) == ["李合成", "리합성"]


def test_the_form_redisplays_the_input_with_a_message_beside_each_field(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient],
        form: Callable[..., dict[str, str]]) -> None:
    seed(web_store)
    sign_in(client, "caseworker")
    before = persons(web_store)
    nameless = client.post("/persons", data=form(client, sex="F", birth_date="1994-03",
                                                 contact=CONTACT, notes="Synthetic kept note"))
    assert nameless.status_code == 422
    assert "at least one name" in beside(nameless.text, "name0_full")
    assert "month alone" in beside(nameless.text, "birth_date")
    assert f'value="{CONTACT}"' in nameless.text and "Synthetic kept note" in nameless.text
    assert 'value="1994-03"' in nameless.text
    wrong = client.post("/persons", data=form(client, **{
        **VALID, "birth_date": "March", "sex": "Q", "name1_script": "cyrillic"}))
    assert wrong.status_code == 422
    assert "YYYY-MM-DD" in beside(wrong.text, "birth_date")
    assert "YYYY-MM " not in beside(wrong.text, "birth_date")
    assert "script" in beside(wrong.text, "name1_script")
    assert "not a known sex" in beside(wrong.text, "sex")  # in the same round as the rest
    assert f'value="{HANGUL}"' in wrong.text and f'value="{GIVEN}"' in wrong.text
    unknown = client.post("/persons", data=form(client, sex="Q", origin_province="KP-99"))
    assert unknown.status_code == 422
    assert "at least one name" in beside(unknown.text, "name0_full")
    assert "not a known sex" in beside(unknown.text, "sex")
    assert "not a known province" in beside(unknown.text, "origin_province")
    sex = client.post("/persons", data=form(client, **{**VALID, "sex": "Q"}))
    assert sex.status_code == 422 and "sex" in beside(sex.text, "sex")
    future = client.post("/persons", data=form(client, **{**VALID, "birth_date": "2999-01-02"}))
    assert future.status_code == 422 and "today" in beside(future.text, "birth_date")
    ancient = client.post("/persons", data=form(client, **{**VALID, "birth_date": "1850"}))
    assert ancient.status_code == 422 and "1900" in beside(ancient.text, "birth_date")
    impossible = client.post("/persons", data=form(client, **{**VALID,
                                                              "birth_date": "1994-02-30"}))
    assert "calendar" in beside(impossible.text, "birth_date")
    elsewhere = client.post("/persons", data=form(client, **{**VALID,
                                                             "origin_province": "KP-01"}))
    assert elsewhere.status_code == 422
    assert "another province" in beside(elsewhere.text, "origin_province")
    too_long = client.post("/persons", data=form(client, **{**VALID, "name0_full": "가" * 300}))
    assert too_long.status_code == 422 and beside(too_long.text, "name0_full")
    # Nothing typed is repeated in a message.
    for page in (nameless, wrong, unknown, sex, elsewhere):
        for message in re.findall(r'class="field-error error"[^>]*>([^<]*)<', page.text):
            assert HANGUL not in message and CONTACT not in message and "March" not in message
    assert persons(web_store) == before
    village = client.post("/persons", data=form(client, **{
        **VALID, "origin_place": "Synthetic hamlet 3"}))  # below the gazetteer: kept as typed
    assert village.status_code == 303, village.text


@pytest.mark.parametrize("role", OTHERS)
def test_roles_without_identity_write_are_refused(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient],
        form: Callable[..., dict[str, str]], role: str) -> None:
    seed(web_store)
    before = persons(web_store)
    sign_in(client, role)
    assert client.get("/persons/new").status_code == 403
    assert client.post("/persons", data=form(client, **VALID)).status_code == 403
    listed = client.get("/persons")
    if listed.status_code == 200:
        assert 'href="/persons/new"' not in listed.text
    assert persons(web_store) == before
    sign_in(client, None)
    assert client.get("/persons/new").headers["location"].startswith("/sign-in")
    assert client.post("/persons", data=form(client, **VALID)).status_code in (303, 401, 403)
    assert persons(web_store) == before


def test_script_typed_into_every_text_field_is_inert(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient],
        form: Callable[..., dict[str, str]]) -> None:
    seed(web_store)
    sign_in(client, "caseworker")
    texts = ("name0_full", "name0_family", "name0_given", "name1_full", "origin_place",
             "current_location", "contact", "document_number", "notes")
    refused = client.post("/persons", data=form(client, birth_date=SCRIPT, sex=SCRIPT,
                                                name0_script=SCRIPT,
                                                **dict.fromkeys(texts, SCRIPT)))
    assert refused.status_code == 422 and "<script>" not in refused.text
    assert refused.text.count(ESCAPED) >= len(texts) + 1
    accepted = dict.fromkeys(texts, SCRIPT) | {"name0_script": "latin",
                                                "name1_script": "latin"}
    made = client.post("/persons", data=form(client, **accepted))
    assert made.status_code == 303, made.text
    assert "<" not in made.headers["location"] and "%3C" not in made.headers["location"]
    page = client.get(made.headers["location"])
    assert page.status_code == 200 and "<script>" not in page.text
    assert page.text.count(ESCAPED) >= 7
