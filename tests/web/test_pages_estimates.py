"""Estimate pages: stored estimates, running one on the store's documented acts (the form
re-displayed with the error beside the field), the posterior and overlap figures as images.
Both back ends."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from surplace.estimation import runs
from surplace.estimation.histories import CaptureHistories
from surplace.estimation.service import estimate
from surplace.incidents import claims
from surplace.records import gazetteer
from surplace.records import service as records_service
from surplace.records.schemas import NameIn, PersonIn
from surplace.records.sources import SourceIn, add_source
from tests.web.conftest import WebStore

PNG = b"\x89PNG\r\n\x1a\n"
LISTS = ("SYN-EST-A", "SYN-EST-B", "SYN-EST-C")


def stored_estimate(web_store: WebStore) -> str:
    """A dga estimate (it has a posterior to draw) of a small synthetic three-list table."""
    histories = CaptureHistories.from_patterns(
        LISTS, [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [1, 0, 1], [0, 1, 1], [1, 1, 1]],
        [40, 35, 30, 12, 10, 8, 5])
    report = estimate(histories, method="dga", seed=7)
    with web_store.session("analyst") as session:
        return runs.save_report(session, actor=web_store.actor("analyst"), subject="file",
                                report=report, histories=histories)[0].id


def add_sample_ids(web_store: WebStore, ids: dict[str, str]) -> None:
    ids["run_id"] = stored_estimate(web_store)


def document_acts(web_store: WebStore) -> None:
    """Forced returns of twelve synthetic victims, each told by one to three of the lists."""
    admin = web_store.actor("admin")
    seen_by = [(0,), (1,), (2,), (0, 1), (0, 2), (1, 2), (0, 1, 2), (0,), (1,), (0, 1),
               (2,), (0, 2)]
    with web_store.session("admin") as session:
        gazetteer.seed_places(session)
        for code in LISTS:
            add_source(session, actor=admin, data=SourceIn(code=code, kind="list",
                                                           reliability="B", name=code))
        for index, lists in enumerate(seen_by):
            victim = records_service.register_person(session, actor=admin, data=PersonIn(
                names=[NameIn(full_name=f"Synthetic Returnee {index}")])).pseudonym
            act_id = None
            for position in lists:
                out = claims.add_claim(session, actor=admin, data={
                    "source": LISTS[position], "victim": victim, "act_type": "forced_return",
                    "connection": "witness", "date": f"2022-0{1 + index % 9}-1{index % 9}",
                    "place": "CN-JL-tumen", **({"act_id": act_id} if act_id else {})})
                act_id = out.act_id


def test_stored_estimate_page_with_its_figures(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient]) -> None:
    run_id = stored_estimate(web_store)
    sign_in(client, "analyst")
    listed = client.get("/estimates")
    assert listed.status_code == 200 and f"/estimates/{run_id}" in listed.text
    page = client.get(f"/estimates/{run_id}")
    assert page.status_code == 200
    assert f"/estimates/{run_id}/posterior.png" in page.text
    assert f"/estimates/{run_id}/overlaps.png" in page.text
    for figure in ("posterior", "overlaps"):
        image = client.get(f"/estimates/{run_id}/{figure}.png")
        assert image.status_code == 200 and image.headers["content-type"] == "image/png"
        assert image.content.startswith(PNG) and len(image.content) > 2_000
    dashboard = client.get("/")
    assert dashboard.status_code == 200
    assert "<svg" in dashboard.text and f"/estimates/{run_id}" in dashboard.text
    for role in ("caseworker", "viewer"):
        sign_in(client, role)
        assert client.get(f"/estimates/{run_id}").status_code == 403
        assert client.get(f"/estimates/{run_id}/posterior.png").status_code == 403


def test_run_an_estimate_of_documented_acts(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient],
        form: Callable[..., dict[str, str]]) -> None:
    document_acts(web_store)
    sign_in(client, "researcher")
    made = client.post("/estimates", data=form(client, subject="acts", method="lincoln",
                                               sources=", ".join(LISTS), seed="11"))
    assert made.status_code == 303, made.text
    page = client.get(made.headers["location"])
    assert page.status_code == 200
    assert "Chapman" in page.text or "chapman" in page.text
    with web_store.session("researcher") as session:
        stored = runs.list_runs(session, actor=web_store.actor("researcher"))
    assert stored and all(row.subject == "acts" for row in stored)
    assert max(row.observed for row in stored) == 12  # the acts; pairwise rows see fewer
    assert all(set(row.lists) == set(LISTS) for row in stored)


def test_estimate_form_redisplays_with_the_error_beside_the_field(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient],
        form: Callable[..., dict[str, str]]) -> None:
    document_acts(web_store)
    sign_in(client, "analyst")
    bad_year = client.post("/estimates", data=form(client, subject="acts", method="dga",
                                                   year="soon", seed="3"))
    assert bad_year.status_code == 422
    assert re.search(r'id="error-year"[^>]*>[^<]*year', bad_year.text)
    assert 'value="soon"' in bad_year.text and 'value="3"' in bad_year.text
    no_source = client.post("/estimates", data=form(client, subject="acts", method="dga",
                                                    sources="SYN-NOPE, SYN-EST-A"))
    assert no_source.status_code == 422
    assert re.search(r'id="error-sources"[^>]*>[^<]*SYN-NOPE', no_source.text)
    with web_store.session("analyst") as session:
        assert runs.count_runs(session, actor=web_store.actor("analyst")) == 0


@pytest.mark.skipif(importlib.util.find_spec("surplace.linkage.histories") is not None,
                    reason="the linkage domain counts persons here: covered by its own tests")
def test_counting_persons_without_linkage_histories_is_refused_in_words(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient],
        form: Callable[..., dict[str, str]]) -> None:
    sign_in(client, "analyst")
    refused = client.post("/estimates", data=form(client, subject="persons", method="dga"))
    assert refused.status_code == 422 and 'id="error-subject"' in refused.text


def test_a_latent_class_run_from_a_page_says_its_chains_were_short(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient],
        form: Callable[..., dict[str, str]]) -> None:
    document_acts(web_store)
    sign_in(client, "analyst")
    made = client.post("/estimates", data=form(client, subject="acts", method="lcmcr",
                                               seed="5"))
    assert made.status_code == 303, made.text
    page = client.get(made.headers["location"])
    assert "shorter than the reference" in page.text and "posterior.png" in page.text
    run_id = made.headers["location"].rsplit("/", 1)[-1]
    assert client.get(f"/estimates/{run_id}/posterior.png").content.startswith(PNG)


def link_persons(web_store: WebStore, seen_by: list[tuple[int, ...]]) -> None:
    """Synthetic persons, each with one linked record on each list that saw them."""
    import hashlib

    from surplace.linkage.models import LinkRun, RecordPerson
    from surplace.records.models import Person, Record, Source
    from surplace.records.service import new_pseudonym

    admin = web_store.actor("admin")
    with web_store.session("admin") as session:
        sources = []
        for code in LISTS:
            source = Source(code=code, kind="list", reliability="B")
            source.name = code
            session.add(source)
            sources.append(source)
        run = LinkRun(actor_id=admin.user_id, mode="full", lower_threshold=0.2,
                      upper_threshold=0.9)
        session.add(run)
        session.flush()
        for index, lists in enumerate(seen_by):
            person = Person(pseudonym=new_pseudonym())
            session.add(person)
            session.flush()
            for position in lists:
                record = Record(source_id=sources[position].id, content_digest=hashlib.sha256(
                    f"{index}-{position}".encode()).digest(), event_year=2020)
                record.payload = {"name": f"Synthetic Listed {index}"}
                session.add(record)
                session.flush()
                session.add(RecordPerson(record_id=record.id, person_id=person.id,
                                         run_id=run.id, probability=1.0, how="new"))


@pytest.mark.skipif(importlib.util.find_spec("surplace.linkage.histories") is None,
                    reason="the linkage domain does not count persons in this installation")
def test_run_an_estimate_of_linked_persons(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient],
        form: Callable[..., dict[str, str]]) -> None:
    link_persons(web_store, [(0,), (1,), (2,), (0, 1), (0, 2), (1, 2), (0, 1, 2), (0,), (1,),
                             (0, 1)])
    sign_in(client, "analyst")
    made = client.post("/estimates", data=form(client, subject="persons", method="lincoln"))
    assert made.status_code == 303, made.text
    with web_store.session("analyst") as session:
        stored = runs.list_runs(session, actor=web_store.actor("analyst"))
    assert stored and all(row.subject == "persons" for row in stored)
    assert max(row.observed for row in stored) == 10
