"""Person pages: identities (names in the script they were recorded in) for identity roles, the
pseudonym for others; finding by exact name through a POST. Both back ends."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from surplace.records import service as records_service
from surplace.records.schemas import NameIn, PersonIn
from tests.web.conftest import WebStore

#: Invented; any likeness to a real person is chance.
HANGUL = "합성인물가"
HANZI = "合成人物"
SCRIPT = "<script>alert(1)</script>"


def person(web_store: WebStore, *names: NameIn, **fields: object) -> str:
    with web_store.session("admin") as session:
        return records_service.register_person(
            session, actor=web_store.actor("admin"),
            data=PersonIn(names=list(names), **fields)).pseudonym  # type: ignore[arg-type]


def test_identities_for_identity_roles_pseudonym_for_others(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient]) -> None:
    pseudonym = person(web_store, NameIn(full_name=HANGUL, script="hangul"),
                       NameIn(full_name=HANZI, script="hanja"), sex="M", birth_year=1980,
                       origin_province="KP-09", contact="synthetic contact 555")
    sign_in(client, "caseworker")
    page = client.get(f"/persons/{pseudonym}")
    assert page.status_code == 200
    assert HANGUL in page.text and HANZI in page.text and "synthetic contact 555" in page.text
    sign_in(client, "researcher")
    page = client.get(f"/persons/{pseudonym}")
    assert page.status_code == 200 and pseudonym in page.text and "1980" in page.text
    assert HANGUL not in page.text and HANZI not in page.text
    assert "synthetic contact 555" not in page.text
    listed = client.get("/persons", params={"birth_year": "1980"})
    assert pseudonym in listed.text
    for role in ("analyst", "viewer"):
        sign_in(client, role)
        assert client.get(f"/persons/{pseudonym}").status_code == 403


def test_find_by_exact_name_in_any_script(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient],
        form: Callable[..., dict[str, str]]) -> None:
    wanted = person(web_store, NameIn(full_name=HANGUL, script="hangul"))
    other = person(web_store, NameIn(full_name="Synthetic Other-person"))
    sign_in(client, "caseworker")
    found = client.post("/persons/search", data=form(client, name=HANGUL))
    assert found.status_code == 200 and wanted in found.text and other not in found.text
    empty = client.post("/persons/search", data=form(client, name="  "))
    assert empty.status_code == 422 and 'id="error-name"' in empty.text
    sign_in(client, "researcher")
    assert client.post("/persons/search", data=form(client, name=HANGUL)).status_code == 403


def test_wrong_filter_beside_its_field_and_hostile_names_inert(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient]) -> None:
    pseudonym = person(web_store, NameIn(full_name=SCRIPT), notes=SCRIPT, origin_place=SCRIPT)
    sign_in(client, "admin")
    page = client.get(f"/persons/{pseudonym}")
    assert page.status_code == 200
    assert "<script>" not in page.text and page.text.count("&lt;script&gt;") >= 3
    wrong = client.get("/persons", params={"sex": "Q"})
    assert re.search(r'id="error-sex"[^>]*>[^<]*sex', wrong.text)
