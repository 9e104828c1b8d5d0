"""Incident pages: the list with its filters and map, the incident page with acts, victims by
pseudonym (never a name), perpetrators and sources with their grades. Both back ends."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from fastapi.testclient import TestClient
from sqlalchemy import select

from surplace.incidents import claims
from surplace.incidents import service as incident_service
from surplace.records import gazetteer
from surplace.records import service as records_service
from surplace.records.models import Place
from surplace.records.schemas import NameIn, PersonIn
from surplace.records.sources import SourceIn, add_source
from tests.web.conftest import WebStore

#: Invented; any likeness to a real person is chance.
VICTIM_NAME = "합성피해자"
VICTIM_LATIN = "Synthetic Victim-web"
SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@dataclass
class Documented:
    incident_id: str
    act_id: str
    victim: str
    sources: tuple[str, str]


def document(web_store: WebStore, *, suffix: str = "A", place: str = "CN-JL-yanji",
             date: str = "2023-05-02", act_type: str = "forced_return",
             title: str | None = None) -> Documented:
    """Two sources' claims about one act against one synthetic victim."""
    admin = web_store.actor("admin")
    codes = (f"SYN-WEB-{suffix}1", f"SYN-WEB-{suffix}2")
    with web_store.session("admin") as session:
        gazetteer.seed_places(session)
        for code, grade in zip(codes, ("B", "C"), strict=True):
            add_source(session, actor=admin, data=SourceIn(
                code=code, kind="organisation", reliability=grade,
                name=f"Synthetic organisation {code}"))
        victim = records_service.register_person(session, actor=admin, data=PersonIn(
            names=[NameIn(full_name=VICTIM_NAME, script="hangul"),
                   NameIn(full_name=VICTIM_LATIN)], sex="F", birth_year=1991,
            origin_province="KP-09")).pseudonym
        first = claims.add_claim(session, actor=admin, data={
            "source": codes[0], "victim": victim, "act_type": act_type,
            "connection": "witness", "date": date, "place": place,
            "perpetrators": [{"unit": "cn_border_police", "degree": "direct_perpetrator"}]})
        assert first.act_id is not None and first.incident_id is not None
        claims.add_claim(session, actor=admin, data={
            "source": codes[1], "victim": victim, "act_type": act_type,
            "connection": "victim", "date": date, "place": place, "act_id": first.act_id})
        if title is not None:
            incident_service.add_incident(session, actor=admin, data={"title": title})
    return Documented(first.incident_id, first.act_id, victim, codes)


def add_sample_ids(web_store: WebStore, ids: dict[str, str]) -> None:
    made = document(web_store, suffix="S")
    ids["incident_id"], ids["act_id"], ids["source_code"] = (made.incident_id, made.act_id,
                                                             made.sources[0])


def test_researcher_sees_victims_by_pseudonym_never_a_name(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient]) -> None:
    made = document(web_store)
    sign_in(client, "researcher")
    page = client.get(f"/incidents/{made.incident_id}")
    assert page.status_code == 200
    assert made.victim in page.text
    assert VICTIM_NAME not in page.text and VICTIM_LATIN not in page.text
    for expected in (made.sources[0], made.sources[1], ">B6<", ">C6<"):  # sources, grades
        assert expected in page.text
    assert "<svg" in page.text and "CN-JL-yanji" in page.text  # the map, drawn on the server
    person = client.get(f"/persons/{made.victim}")
    assert person.status_code == 200
    assert made.victim in person.text and VICTIM_NAME not in person.text
    assert made.incident_id in person.text
    sign_in(client, "analyst")
    assert client.get(f"/incidents/{made.incident_id}").status_code == 403


def test_list_filters_by_type_year_and_province_with_a_map(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient]) -> None:
    yanji = document(web_store, suffix="Y")
    arrest = document(web_store, suffix="Z", place="CN-LN", date="2021-03-04",
                      act_type="arrest")
    sign_in(client, "researcher")
    every = client.get("/incidents")
    assert yanji.incident_id in every.text and arrest.incident_id in every.text
    assert every.text.count("<circle") >= 2
    by_type = client.get("/incidents", params={"act_type": "arrest"})
    assert arrest.incident_id in by_type.text and yanji.incident_id not in by_type.text
    by_year = client.get("/incidents", params={"year": "2023"})
    assert yanji.incident_id in by_year.text and arrest.incident_id not in by_year.text
    by_province = client.get("/incidents", params={"province": "CN-JL"})
    assert yanji.incident_id in by_province.text and arrest.incident_id not in by_province.text
    by_name = client.get("/incidents", params={"province": "Yanji"})  # any spelling of a place
    assert yanji.incident_id in by_name.text


def test_each_line_shows_its_incident_place_code(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient]) -> None:
    with web_store.session("admin") as session:
        gazetteer.seed_places(session)
        placed = incident_service.add_incident(session, actor=web_store.actor("admin"), data={
            "title": "Synthetic placed incident", "place": "Tumen"})
        unplaced = incident_service.add_incident(session, actor=web_store.actor("admin"),
                                                 data={"title": "Synthetic unplaced incident"})
    sign_in(client, "researcher")
    page = client.get("/incidents").text
    lines = {found: row for row in page.split("<tr")[1:]
             for found in (placed.id, unplaced.id) if found in row}
    assert "<td>CN-JL-tumen</td>" in lines[placed.id]
    assert "<td>—</td>" in lines[unplaced.id]


def test_wrong_filters_are_shown_beside_their_field(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient]) -> None:
    sign_in(client, "researcher")
    wrong_year = client.get("/incidents", params={"year": "last year"})
    assert wrong_year.status_code == 200
    assert re.search(r'id="error-year"[^>]*>[^<]*year', wrong_year.text)
    assert 'value="last year"' in wrong_year.text
    wrong_type = client.get("/incidents", params={"act_type": "forced_retrun"})
    assert re.search(r'id="error-act_type"[^>]*>[^<]*forced_return', wrong_type.text)


def test_stored_script_in_incident_texts_is_escaped(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient]) -> None:
    admin = web_store.actor("admin")
    with web_store.session("admin") as session:
        gazetteer.seed_places(session)
        victim = records_service.register_person(session, actor=admin, data=PersonIn(
            names=[NameIn(full_name=SCRIPT)])).pseudonym
        incident = incident_service.add_incident(session, actor=admin, data={
            "title": SCRIPT, "description": SCRIPT, "start_date": "2022-01-01",
            "place": "CN-JL-tumen"})
        incident_service.add_act(session, actor=admin, data={
            "incident_id": incident.id, "act_type": "torture", "victim": victim,
            "date": "2022-01-01", "consequences": SCRIPT, "method": SCRIPT})
    sign_in(client, "researcher")
    page = client.get(f"/incidents/{incident.id}")
    assert page.status_code == 200
    assert "<script>" not in page.text and page.text.count(ESCAPED) >= 4
    listed = client.get("/incidents")
    assert "<script>" not in listed.text and ESCAPED in listed.text
    sign_in(client, "admin")
    dashboard = client.get("/")
    assert "<script>" not in dashboard.text and ESCAPED in dashboard.text


def test_map_follows_the_gazetteer_when_its_coordinates_change(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient]) -> None:
    """The map's places are computed once per gazetteer, not per request: a place that loses
    its coordinates leaves the map, and gains them back when the gazetteer is seeded again."""
    document(web_store, suffix="M")
    sign_in(client, "researcher")
    assert client.get("/incidents").text.count("<circle") == 1
    with web_store.session("admin") as session:
        yanji = session.scalars(select(Place).where(Place.code == "CN-JL-yanji")).one()
        yanji.latitude = yanji.longitude = None
    assert client.get("/incidents").text.count("<circle") == 0
    with web_store.session("admin") as session:
        gazetteer.seed_places(session)  # fills the coordinates a place lacks
    assert client.get("/incidents").text.count("<circle") == 1
