"""The review queue: a pair side by side, accept (the records become one person) with undo,
reject, skip; the cluster history; a hostile payload rendered inert. Both back ends."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from fastapi.testclient import TestClient
from sqlalchemy import select

from surplace.linkage.models import LinkPair, LinkRun, RecordPerson
from surplace.records.models import Person, Record, Source
from surplace.records.service import new_pseudonym
from tests.web.conftest import WebStore

#: Invented; any likeness to a real person is chance.
NAMES = ("합성리뷰가", "Synthetic Hapsong Ryu-ga")
SCRIPT = "<script>alert(1)</script>"


@dataclass
class Queued:
    pair_id: str
    records: tuple[str, str]
    persons: tuple[str, str]  # pseudonyms
    source: str


def queue_pair(web_store: WebStore, suffix: str, names: tuple[str, str] = NAMES) -> Queued:
    """Two records of one synthetic list, each its own person, queued as an uncertain pair."""
    admin = web_store.actor("admin")
    with web_store.session("admin") as session:
        source = Source(code=f"SYN-LNK-{suffix}", kind="list", reliability="B")
        source.name = f"Synthetic list {suffix}"
        session.add(source)
        run = LinkRun(actor_id=admin.user_id, mode="full", lower_threshold=0.2,
                      upper_threshold=0.9)
        session.add(run)
        session.flush()
        records, persons = [], []
        for index, name in enumerate(names):
            record = Record(source_id=source.id, source_row=f"row-{index}", sex="F",
                            birth_year=1990, content_digest=hashlib.sha256(
                                f"{suffix}-{index}".encode()).digest())
            record.payload = {"name": name, "sex": "F", "birth": "1990-03-01"}
            person = Person(pseudonym=new_pseudonym(), sex="F", birth_year=1990)
            session.add_all([record, person])
            session.flush()
            session.add(RecordPerson(record_id=record.id, person_id=person.id, run_id=run.id,
                                     probability=1.0, how="new"))
            records.append(record.id)
            persons.append(person.pseudonym)
        pair = LinkPair(run_id=run.id, record_a_id=records[0], record_b_id=records[1],
                        probability=0.73, status="pending")
        session.add(pair)
        session.flush()
        return Queued(pair.id, (records[0], records[1]), (persons[0], persons[1]), source.code)


def add_sample_ids(web_store: WebStore, ids: dict[str, str]) -> None:
    ids["pair_id"] = queue_pair(web_store, "S").pair_id


def owners(web_store: WebStore, queued: Queued) -> set[str]:
    with web_store.session("admin") as session:
        return set(session.scalars(select(RecordPerson.person_id).where(
            RecordPerson.record_id.in_(queued.records), RecordPerson.unlinked_at.is_(None))))


def test_pair_side_by_side_accept_then_undo(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient],
        form: Callable[..., dict[str, str]]) -> None:
    queued = queue_pair(web_store, "A")
    sign_in(client, "caseworker")
    page = client.get("/linkage/review")
    assert page.status_code == 200
    assert all(name in page.text for name in NAMES)
    assert queued.persons[0] in page.text and queued.persons[1] in page.text
    assert f"/linkage/pairs/{queued.pair_id}/decision" in page.text
    assert len(owners(web_store, queued)) == 2
    accepted = client.post(f"/linkage/pairs/{queued.pair_id}/decision",
                           data=form(client, decision="accept", note="same birth date"))
    assert accepted.status_code == 303
    assert len(owners(web_store, queued)) == 1
    after = client.get(accepted.headers["location"])
    assert f"/linkage/pairs/{queued.pair_id}/undo" in after.text
    undone = client.post(f"/linkage/pairs/{queued.pair_id}/undo", data=form(client))
    assert undone.status_code == 303
    assert len(owners(web_store, queued)) == 2
    with web_store.session("admin") as session:
        pair = session.get(LinkPair, queued.pair_id)
        assert pair is not None and pair.status == "pending"
    pages = [client.get(f"/linkage/persons/{pseudonym}/history")
             for pseudonym in queued.persons]
    assert all(page.status_code == 200 for page in pages)
    assert queued.records[0] in pages[0].text and queued.records[1] in pages[1].text
    both = pages[0].text + pages[1].text
    assert ">merge<" in both and ">undo<" in both  # the merge closed, the old link restored


def test_reject_and_skip_and_a_refused_decision(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient],
        form: Callable[..., dict[str, str]]) -> None:
    first = queue_pair(web_store, "B")
    second = queue_pair(web_store, "C")
    sign_in(client, "admin")
    wrong = client.post(f"/linkage/pairs/{first.pair_id}/decision",
                        data=form(client, decision="maybe"))
    assert wrong.status_code == 422 and 'id="error-decision"' in wrong.text
    assert client.post(f"/linkage/pairs/{first.pair_id}/decision",
                       data=form(client, decision="reject")).status_code == 303
    assert client.post(f"/linkage/pairs/{second.pair_id}/decision",
                       data=form(client, decision="skip")).status_code == 303
    with web_store.session("admin") as session:
        statuses = {p.id: p.status for p in session.scalars(select(LinkPair).where(
            LinkPair.id.in_([first.pair_id, second.pair_id])))}
    assert statuses == {first.pair_id: "rejected", second.pair_id: "skipped"}
    assert len(owners(web_store, first)) == 2


def test_only_identity_roles_review_and_payloads_are_escaped(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient]) -> None:
    queue_pair(web_store, "D", names=(SCRIPT, f"{SCRIPT} other"))
    for role in ("researcher", "analyst", "viewer"):
        sign_in(client, role)
        assert client.get("/linkage/review").status_code == 403
    sign_in(client, "caseworker")
    page = client.get("/linkage/review")
    assert page.status_code == 200
    assert "<script>" not in page.text and "&lt;script&gt;" in page.text
