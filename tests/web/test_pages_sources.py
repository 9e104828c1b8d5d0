"""Source pages: codes and grades for everyone who reads sources, names and record payloads only
for identity roles, hostile text inert. Both back ends."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from surplace.records.sources import SourceIn, add_source
from tests.web.conftest import WebStore
from tests.web.test_pages_linkage import NAMES, queue_pair

SCRIPT = "<script>alert(1)</script>"


def add_sample_ids(web_store: WebStore, ids: dict[str, str]) -> None:
    ids["record_id"] = queue_pair(web_store, "R").records[0]


def test_records_of_a_source_with_payloads_only_for_identity_roles(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient]) -> None:
    queued = queue_pair(web_store, "P")
    sign_in(client, "caseworker")
    listed = client.get("/sources")
    assert listed.status_code == 200 and queued.source in listed.text
    page = client.get(f"/sources/{queued.source}")
    assert page.status_code == 200
    assert all(record in page.text for record in queued.records)
    assert all(name in page.text for name in NAMES)  # the payloads, as received
    assert "Synthetic list P" in page.text  # the source's sealed name
    sign_in(client, "researcher")
    page = client.get(f"/sources/{queued.source}")
    assert page.status_code == 200
    assert all(record in page.text for record in queued.records)
    assert not any(name in page.text for name in NAMES)
    assert "Synthetic list P" not in page.text
    sign_in(client, "analyst")
    assert client.get(f"/sources/{queued.source}").status_code == 403


def test_record_filters_and_a_wrong_one_beside_its_field(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient]) -> None:
    queued = queue_pair(web_store, "F")
    sign_in(client, "researcher")
    none = client.get(f"/sources/{queued.source}", params={"event_year": "1999"})
    assert queued.records[0] not in none.text
    women = client.get(f"/sources/{queued.source}", params={"sex": "f"})
    assert queued.records[0] in women.text
    wrong = client.get(f"/sources/{queued.source}", params={"event_year": "nineteen"})
    assert wrong.status_code == 200
    assert re.search(r'id="error-event_year"[^>]*>[^<]*event_year', wrong.text)


def test_hostile_source_texts_and_payloads_are_inert(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient]) -> None:
    with web_store.session("admin") as session:
        add_source(session, actor=web_store.actor("admin"), data=SourceIn(
            code="SYN-HOSTILE", kind="informant", reliability="F", name=SCRIPT,
            contact=SCRIPT, description=SCRIPT))
    queued = queue_pair(web_store, "H", names=(SCRIPT, SCRIPT))
    sign_in(client, "admin")
    for url in ("/sources/SYN-HOSTILE", f"/sources/{queued.source}", "/sources"):
        page = client.get(url)
        assert page.status_code == 200
        assert "<script>" not in page.text
    assert client.get("/sources/SYN-HOSTILE").text.count("&lt;script&gt;") >= 3
